import { ConflictError } from '../common/broker-error.js';
import { APPOINTMENT_ERROR_CODE } from '../common/error-answer.js';

/**
 * The expert, or the technician, has a session that overlaps: 409, the body's `clash` says
 * which, and the message what to do (another expert helps only with the expert's clash).
 */
export class AppointmentClashError extends ConflictError {
  override name = 'AppointmentClashError';
  override readonly code = APPOINTMENT_ERROR_CODE.clash;

  constructor(
    personId: string,
    clash: { id: string; startsAt: string; endsAt: string },
    as: 'expert' | 'technician' = 'expert',
  ) {
    const remedy =
      as === 'expert'
        ? 'choose another time or expert'
        : 'choose another time, or move or cancel that session';
    super(
      `${personId} already has session ${clash.id} from ${clash.startsAt} to ${clash.endsAt}; ${remedy}`,
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
