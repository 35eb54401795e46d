import { IsInt, IsString, Length, Min } from 'class-validator';

export class CallSubscribeDto {
  @IsString()
  @Length(1, 128)
  callId!: string;

  @IsInt()
  @Min(0)
  afterSeq!: number;
}
