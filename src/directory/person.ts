import type { CallLogContact } from '../xassist-contract/xassist-contract.js';

export const ROLES = ['technician', 'expert', 'supervisor', 'integration'] as const;
export type Role = (typeof ROLES)[number];

export interface XAssistIdentity {
  userId: string;
  userDbId: number;
  domain: string;
  phoneNumber: string;
}

/** How the chat tools name this person, so that a page mentions the same human everywhere. */
export interface ChannelIdentities {
  dingtalk?: { userId?: string; mobile?: string };
  chatMessenger?: { email: string };
  ringcentral?: { personId: string };
}

export interface Person {
  id: string;
  displayName: string;
  email: string;
  roles: Role[];
  skills: string[];
  xassist?: XAssistIdentity;
  /** Absent or partial: a channel that does not know the person writes the display name. */
  channels?: ChannelIdentities;
}

/** How a person appears inside a Call. */
export interface PersonRef {
  id: string;
  displayName: string;
}

/** Just the reference, from a person or anything that carries one (a call's participant). */
export function personRef({ id, displayName }: PersonRef): PersonRef {
  return { id, displayName };
}

/** How xAssist names this person in invitedContacts; undefined for people without an xAssist user. */
export function xassistContactOf(person: Person): CallLogContact | undefined {
  if (!person.xassist) return undefined;
  return {
    displayName: person.displayName,
    domain: person.xassist.domain,
    email: person.email,
    phoneNumber: person.xassist.phoneNumber,
    userDbId: person.xassist.userDbId,
    userId: person.xassist.userId,
  };
}
