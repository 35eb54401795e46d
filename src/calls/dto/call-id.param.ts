import { ApiProperty } from '@nestjs/swagger';
import { IsCallId } from '../../common/text-rules.js';

/** The `:id` of /v1/calls/:id, checked before it reaches the database. */
export class CallIdParam {
  @ApiProperty({ description: 'The broker call id' })
  @IsCallId()
  id!: string;
}
