import { Injectable } from '@nestjs/common';
import { isEnded, type CallStatus } from '../calls/call-lifecycle.js';
import { BookedSessions, type BookedSession } from '../routing/booked-sessions.port.js';
import { AppointmentRepository } from './appointment.repository.js';

/** Routing's view of the booked sessions (presence and the booking guard), from the table. */
@Injectable()
export class AppointmentSessions extends BookedSessions {
  constructor(private readonly appointments: AppointmentRepository) {
    super();
  }

  async near(nowMs: number, aheadMs: number): Promise<BookedSession[]> {
    const rows = await this.appointments.sessionsWithCalls(nowMs, nowMs + aheadMs);
    return rows.map((row) => ({
      expertId: row.expertId,
      startsAtMs: Date.parse(row.startsAt),
      endsAtMs: Date.parse(row.endsAt),
      // A call that is gone (retention) is over too.
      callEnded: row.callStatus === null || isEnded(row.callStatus as CallStatus),
    }));
  }
}
