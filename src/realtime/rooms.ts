import type { CallAudience } from '../calls/call-notices.js';
import { seesEveryCall, seesQueuedCalls } from '../calls/call-access.js';
import { hasRole } from '../directory/directory.service.js';
import type { Person } from '../directory/person.js';

/** socket.io rooms: how an audience decided in calls/ or routing/ maps onto connected sockets. */
export const EVERY_CALL_ROOM = 'calls:all';
/** Experts, who see the requests waiting in the queues. */
export const QUEUE_WATCHERS_ROOM = 'queues:watchers';
/** Supervisors: experts' presence and escalations. */
export const SUPERVISORS_ROOM = 'supervisors';

export const personRoom = (personId: string): string => `person:${personId}`;

/** The rooms a person's socket joins on connect. */
export function roomsOfPerson(person: Person): string[] {
  const rooms = [personRoom(person.id)];
  if (seesEveryCall(person)) rooms.push(EVERY_CALL_ROOM);
  if (seesQueuedCalls(person)) rooms.push(QUEUE_WATCHERS_ROOM);
  if (hasRole(person, 'supervisor')) rooms.push(SUPERVISORS_ROOM);
  return rooms;
}

export function roomsOfAudience(audience: CallAudience): string[] {
  return [
    ...(audience.everyCall ? [EVERY_CALL_ROOM] : []),
    ...(audience.queueWatchers ? [QUEUE_WATCHERS_ROOM] : []),
    ...audience.personIds.map(personRoom),
  ];
}
