import { ApiProperty } from '@nestjs/swagger';
import { IsCallId } from '../common/text-rules.js';

/** The `:id` of /v1/appointments/:id: the same shape as a call id (a UUID the broker made). */
export class AppointmentIdParam {
  @ApiProperty({ description: 'The appointment id' })
  @IsCallId()
  id!: string;
}
