import type { BrokerEvents } from '../events/broker-events.js';
import type { AppointmentRecord } from './appointment.model.js';

/**
 * What a booked session's change means, as typed events on the bus (docs/architecture.md,
 * "Events"): emitted inside the transaction that writes the appointment row, so a handler's rows
 * (the expert's pages) commit with the change or not at all, and again once it committed.
 */
declare module '../events/broker-events.js' {
  interface BrokerEvents {
    /** A session was booked (sequence 0). */
    'appointment.booked': { appointment: AppointmentRecord };
    /** A session not yet started was moved: `appointment` as now (a higher sequence), `before` as it was. */
    'appointment.moved': { appointment: AppointmentRecord; before: AppointmentRecord };
    /** A session was cancelled (by someone, or because xAssist would not create its call). */
    'appointment.cancelled': { appointment: AppointmentRecord };
  }
}

export type AppointmentBooked = BrokerEvents['appointment.booked'];
export type AppointmentMoved = BrokerEvents['appointment.moved'];
export type AppointmentCancelled = BrokerEvents['appointment.cancelled'];
