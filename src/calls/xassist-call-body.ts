import type { DirectoryService } from '../directory/directory.service.js';
import { xassistContactOf } from '../directory/person.js';
import type { CallLogContact, CreateCallRequest } from '../xassist-contract/xassist-contract.js';
import type { CallRecord, Participant } from './call.model.js';

/** The body as xAssist's broker pattern wants it: created for the technician, expert and connector invited. */
export function xassistCallBody(
  directory: DirectoryService,
  call: CallRecord,
  connector: CallLogContact,
): CreateCallRequest {
  const contact = (participant: Participant): CallLogContact => {
    const person = directory.find(participant.id);
    const known = person && xassistContactOf(person);
    // The directory may have changed since the call was asked for; the call keeps its snapshot.
    return {
      ...(known ?? { domain: '', email: '', phoneNumber: '' }),
      displayName: participant.displayName,
      userDbId: participant.xassistUserDbId,
      userId: participant.xassistUserId,
    };
  };
  return {
    callTitle: call.title,
    callReason: call.reason,
    callType: call.callType,
    invitedContacts: [...call.experts.map(contact), connector],
    invitedTeams: [],
    joinAnonymousAllowed: call.anonymousJoinAllowed,
    informOthersDirectly: true,
    creatorUser: call.technician.xassistUserDbId,
    plannedDateTime: plannedDateTimeOf(call),
  };
}

/**
 * A booked session's start as xAssist's plannedDateTime: ISO-8601 in UTC with milliseconds
 * (`2027-03-29T07:00:00.000Z`), exactly as the broker stores every instant. xAssist documents no
 * format beyond "a date-time"; an instant with `Z` is what a Java backend parses without a zone
 * table and cannot misread across a daylight-saving change (the booking's own zone is the
 * broker's to show, docs/api.md). Null for a call wanted now, as before.
 */
export function plannedDateTimeOf(call: Pick<CallRecord, 'plannedFor'>): string | null {
  return call.plannedFor === null ? null : new Date(call.plannedFor).toISOString();
}
