import { instant, orNull, ref, text, type JsonSchema } from '../openapi/json-schema.js';
import { APPOINTMENT_STATUSES } from './appointment.model.js';
import { DURATION_MINUTES } from './booking-rules.js';

const Appointment: JsonSchema = {
  type: 'object',
  description: 'A booked session: one technician, one expert, a start and an end, and its call.',
  required: [
    'id',
    'status',
    'title',
    'technician',
    'expert',
    'queueId',
    'startsAt',
    'endsAt',
    'localStartsAt',
    'durationMinutes',
    'timeZone',
    'callId',
    'sequence',
    'cancelReason',
    'createdAt',
    'updatedAt',
  ],
  properties: {
    id: text('The appointment id; the UID of its .ics.', { format: 'uuid' }),
    status: { type: 'string', enum: [...APPOINTMENT_STATUSES] },
    title: text('The call title.', { minLength: 1, maxLength: 200 }),
    technician: ref('PersonRef'),
    expert: {
      ...ref('PersonRef'),
      description: 'The expert booked: the one named, or the one the queue assigned.',
    },
    queueId: orNull(text('The queue it was booked through; null when the expert was named.')),
    startsAt: instant('The start'),
    endsAt: instant('The end (start + durationMinutes)'),
    localStartsAt: text('The start as local time in timeZone, with its offset.', {
      example: '2027-03-29T09:00:00+02:00',
    }),
    durationMinutes: {
      type: 'integer',
      minimum: DURATION_MINUTES.min,
      maximum: DURATION_MINUTES.max,
    },
    timeZone: text('The IANA time zone it was booked in.', { example: 'Europe/Berlin' }),
    callId: text(
      'Its current call (GET /v1/calls/:id): planned until the start; a reschedule makes a new one.',
      { format: 'uuid' },
    ),
    sequence: {
      type: 'integer',
      minimum: 0,
      description: 'iCalendar SEQUENCE: 0 when booked, one more per reschedule and for the cancel.',
    },
    cancelReason: orNull(text('Why it was cancelled; null while booked.')),
    createdAt: instant('When it was booked'),
    updatedAt: instant('The last change'),
  },
};

const AppointmentList: JsonSchema = {
  type: 'object',
  required: ['appointments'],
  properties: { appointments: { type: 'array', items: ref('Appointment') } },
};

const AppointmentConflict: JsonSchema = {
  type: 'object',
  description:
    'A 409 of a booking or a move: appointment_clash (clash names the session in the way), no_expert_free, or conflict.',
  allOf: [
    ref('Error'),
    {
      type: 'object',
      properties: {
        clash: {
          type: 'object',
          required: ['id', 'startsAt', 'endsAt'],
          properties: {
            id: text('The session the expert already has.'),
            startsAt: instant('Its start'),
            endsAt: instant('Its end'),
          },
        },
      },
    },
  ],
};

export const APPOINTMENT_SCHEMAS = {
  Appointment,
  AppointmentList,
  AppointmentConflict,
} satisfies Record<string, JsonSchema>;
