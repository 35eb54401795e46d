import { IsInt, Max, Min } from 'class-validator';
import { MAX_STORED_INTEGER } from '../common/limits.js';
import { IsCallId } from '../common/text-rules.js';

export class CallSubscribeDto {
  @IsCallId()
  callId!: string;

  @IsInt()
  @Min(0)
  @Max(MAX_STORED_INTEGER)
  afterSeq!: number;
}
