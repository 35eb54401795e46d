import { getVtimezoneComponent } from '@touch4it/ical-timezones';
import { ICalCalendar, ICalCalendarMethod, ICalEventStatus } from 'ical-generator';
import { DateTime } from 'luxon';
import type { AppointmentView } from './appointment.model.js';

/**
 * A booked session as an iCalendar file (RFC 5545) for the participants' calendars, built by
 * ical-generator. The appointment id is the event's UID for its whole life and `sequence` its
 * SEQUENCE (one more per move and for the cancel), so importing the file again updates the event
 * rather than adding one; a cancelled session says STATUS:CANCELLED. Times are in the booking's
 * time zone with its VTIMEZONE (as @touch4it/ical-timezones describes it), so the calendar shows
 * the local time the technician booked across a daylight-saving change; a zone it does not know
 * falls back to UTC times, which every client reads.
 */
export function appointmentCalendar(
  appointment: AppointmentView,
  publicUrl: string | undefined,
): string {
  const zone = getVtimezoneComponent(appointment.timeZone) === null ? null : appointment.timeZone;
  const calendar = new ICalCalendar({
    prodId: { company: 'expert-call-broker', product: 'booked-sessions', language: 'EN' },
    method: ICalCalendarMethod.PUBLISH,
    name: 'Expert sessions',
  });
  // The VTIMEZONE comes from the event's zone. The calendar itself keeps none: with one,
  // ical-generator would write DTSTAMP, CREATED and LAST-MODIFIED in local time, and RFC 5545
  // wants those in UTC.
  if (zone) calendar.timezone({ name: null, generator: getVtimezoneComponent });
  const at = (iso: string) => {
    const instant = DateTime.fromISO(iso, { zone: 'utc' });
    return zone ? instant.setZone(zone) : instant;
  };
  calendar.createEvent({
    id: appointment.id,
    sequence: appointment.sequence,
    start: at(appointment.startsAt),
    end: at(appointment.endsAt),
    timezone: zone,
    stamp: new Date(appointment.updatedAt),
    created: new Date(appointment.createdAt),
    lastModified: new Date(appointment.updatedAt),
    summary: appointment.title,
    description:
      `Remote expert session: ${appointment.expert.displayName} with ` +
      `${appointment.technician.displayName}. The glasses ring once the expert has joined.`,
    status:
      appointment.status === 'cancelled' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
    url: publicUrl ? `${publicUrl}/#appointment=${appointment.id}` : null,
  });
  return calendar.toString();
}
