import { ConflictError } from '../common/broker-error.js';
import { APPOINTMENT_ERROR_CODE } from '../common/error-answer.js';

/** The named expert has a session that overlaps: 409, the body's `clash` says which. */
export class AppointmentClashError extends ConflictError {
  override name = 'AppointmentClashError';
  override readonly code = APPOINTMENT_ERROR_CODE.clash;

  constructor(expertId: string, clash: { id: string; startsAt: string; endsAt: string }) {
    super(
      `${expertId} already has session ${clash.id} from ${clash.startsAt} to ${clash.endsAt}; choose another time or expert`,
    );
    this.details.clash = clash;
  }
}

/** Nobody of the queue with its skills is free for the whole session: 409. */
export class NoExpertFreeError extends ConflictError {
  override name = 'NoExpertFreeError';
  override readonly code = APPOINTMENT_ERROR_CODE.noExpertFree;

  constructor(queueId: string, startsAt: string, endsAt: string) {
    super(
      `no expert of queue ${queueId} is free from ${startsAt} to ${endsAt}; choose another time`,
    );
  }
}
