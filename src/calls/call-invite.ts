import { CALL_ID_PLACEHOLDER } from '../config/glasses-config.js';
import { personRef, type PersonRef } from '../directory/person.js';
import { toCallView, type CallRecord, type CallView } from './call.model.js';

/** What `call.invite` tells the glasses: who joined, and where to join the same xAssist call. */
export interface CallInvite {
  call: CallView;
  expert: PersonRef;
  /** The xAssist call to join; also `call.xassistCallId`, repeated so the app need not dig. */
  xassistCallId: string;
  /** XASSIST_JOIN_URL_TEMPLATE with the call id in it; null when the broker has no template. */
  joinUrl: string | null;
}

/**
 * Where a person joins an xAssist call in a browser: the template with the call id in it, or
 * null when the broker has no template. The one place the template is filled (the glasses'
 * `call.invite` and the expert's `GET /v1/calls/:id/join`).
 */
export function joinUrlOf(xassistCallId: string, joinUrlTemplate: string | null): string | null {
  return joinUrlTemplate === null
    ? null
    : joinUrlTemplate.replaceAll(CALL_ID_PLACEHOLDER, encodeURIComponent(xassistCallId));
}

/** The invite for a call an expert has joined, or null when there is nobody or nothing to join. */
export function callInvite(call: CallRecord, joinUrlTemplate: string | null): CallInvite | null {
  const expert = call.experts.find((candidate) => candidate.id === call.joinedExpertId);
  if (!expert || !call.xassistCallId) return null;
  return {
    call: toCallView(call),
    expert: personRef(expert),
    xassistCallId: call.xassistCallId,
    joinUrl: joinUrlOf(call.xassistCallId, joinUrlTemplate),
  };
}
