import { PEOPLE } from './people.js';

/**
 * The e2e broker's people with the experts `ids` known to CAM (Chat&Messenger) by the email
 * `<id>.cam@acme.example`, each taking pumps, so an offer to one of them is paged to them directly.
 */
export function peopleOnCam(...ids: string[]): object[] {
  return PEOPLE.map((person) =>
    ids.includes(person.id)
      ? {
          ...person,
          skills: ['pumps'],
          channels: { chatMessenger: { email: `${person.id}.cam@acme.example` } },
        }
      : person,
  );
}

/** The broker's one queue in the offer-paging suites: pumps, with the routing `fields` given. */
export function pumpsQueues(fields: object): object[] {
  return [{ id: 'pumps', name: 'Pumps', skills: ['pumps'], ...fields }];
}

/** A CHANNELS_FILE document that pages every offer in pumps through `channel` (id cam-direct). */
export function offersPagedThrough(channel: object): object {
  return {
    channels: [channel],
    paging: { rules: [{ queue: 'pumps', channel: 'cam-direct', on: ['offered'] }] },
  };
}

/**
 * The environment of a broker that pages offers over CAM: the channels file, CAM's token, signed
 * accept links, and routing and outbox ticking fast enough for a test.
 */
export function offerPagingEnv(
  channelsFile: string,
  routingTickMs: number,
): Record<string, string> {
  return {
    CHANNELS_FILE: channelsFile,
    CAM_TOKEN: 'cam-token',
    ACCEPT_LINK_SECRET: 'accept-link-secret-for-e2e-0123456789',
    ROUTING_TICK_MS: String(routingTickMs),
    OUTBOX_POLL_INTERVAL_MS: '50',
  };
}
