import { callsStack, peopleDirectory, type CallsStack } from '../../test/support/calls-stack.js';
import { people } from '../../test/support/people.js';
import { CallCreationFailedError } from '../calls/call.errors.js';
import { participantOf } from '../calls/call-request.js';
import { QueuePlacements } from '../calls/queue-placements.js';
import type { Person } from '../directory/person.js';
import { XAssistUnavailableError } from '../xassist/xassist.errors.js';
import { KyselyRoutingRepository } from './kysely-routing.repository.js';
import { OfferService } from './offer.service.js';
import { PresenceService } from './presence.service.js';
import type { QueueDispatcher } from './queue-dispatcher.service.js';
import { RoutedCalls } from './routed-calls.service.js';
import type { Offer } from './routing.model.js';

/** ed takes pumps too, and tex is a technician who is also a pumps expert. */
const directory = peopleDirectory(
  [{ id: 'pumps', skills: ['pumps'], strategy: 'ring_all' }],
  { ...people.ed, skills: ['pumps'] },
  {
    id: 'tex',
    displayName: 'tex',
    roles: ['technician', 'expert'],
    skills: ['pumps'],
    xassist: { userId: 'u10', userDbId: 10, domain: 'acme' },
  },
);
const person = (id: string): Person => directory.find(id)!;

/** The dispatcher as RoutedCalls uses it: only asked to route again. */
class KickCounter {
  kicks = 0;
  kick(): void {
    this.kicks++;
  }
}

describe('RoutedCalls', () => {
  let stack: CallsStack;
  let { calls, xassist } = {} as CallsStack;
  let routing: KyselyRoutingRepository;
  let presence: PresenceService;
  let dispatcher: KickCounter;
  let ended: string[];
  let sut: RoutedCalls;

  beforeEach(async () => {
    stack = await callsStack({ directory });
    const { db, clock, logger, bus, metrics, creation } = stack;
    ({ calls, xassist } = stack);
    routing = new KyselyRoutingRepository(db);
    ended = [];
    bus.on('offer.ended', 'after-commit', ({ offer }) => {
      ended.push(`${offer.expertId}:${offer.status}`);
    });
    presence = new PresenceService(routing, directory, clock, logger, bus);
    dispatcher = new KickCounter();
    sut = new RoutedCalls(
      new OfferService(routing, presence, directory, clock),
      calls,
      creation,
      new QueuePlacements(),
      dispatcher as unknown as QueueDispatcher,
      bus,
      directory,
      metrics,
    );
  });
  afterEach(async () => {
    await stack.bus.idle();
    presence.onModuleDestroy();
    await stack.close();
  });

  /** A request of `technician` waiting in `pumps`, offered to `experts` (ring_all) for 20 s. */
  async function offered(technician: string, experts: string[]): Promise<Offer[]> {
    const { clock } = stack;
    const call = await stack.insertCall(
      {
        experts: [],
        queueId: 'pumps',
        callType: 'MESH',
        technician: participantOf(directory, technician, 'technician', 'technicianId'),
      },
      'queued',
    );
    const expiresAt = new Date(clock.now() + 20_000).toISOString();
    return routing.insertOffers(
      experts.map((expertId) => ({
        id: `offer-${expertId}`,
        callId: call.id,
        expertId,
        status: 'pending',
        offeredAt: clock.isoNow(),
        expiresAt,
        endedAt: null,
      })),
    );
  }
  const types = async (callId: string) =>
    (await calls.events(callId, 0, 20)).map((event) => event.type);

  it('accepts: the call becomes the expert’s and rings; the other offer is rescinded, both end on the bus', async () => {
    const [offer] = await offered('tom', ['erika', 'ed']);
    const { offer: accepted, call } = await sut.accept(person('erika'), offer.id);
    expect(accepted).toMatchObject({ id: offer.id, status: 'accepted' });
    expect(call).toMatchObject({ status: 'ringing', xassistCallId: 'x-1' });
    expect(ended).toEqual(['ed:rescinded', 'erika:accepted']);
    expect(await calls.find(offer.callId)).toMatchObject({
      status: 'ringing',
      acceptedById: 'erika',
      experts: [expect.objectContaining({ id: 'erika' })],
    });
    expect(await types(offer.callId)).toEqual([
      'status.queued',
      'status.creating',
      'status.ringing',
      'xassist.Created',
    ]);
    expect(dispatcher.kicks).toBe(0);
  });

  it('refuses, 403, an accept of a request the expert asked for, before anything changes', async () => {
    const [offer] = await offered('tex', ['tex']);
    await expect(sut.accept(person('tex'), offer.id)).rejects.toMatchObject({
      httpStatus: 403,
      name: 'OwnRequestError',
    });
    expect(await routing.offer(offer.id)).toMatchObject({ status: 'pending' });
    expect((await calls.find(offer.callId))?.status).toBe('queued');
    expect(ended).toEqual([]);
    expect(xassist.created).toHaveLength(0);
  });

  it('declines: the offer ends on the bus, the dispatcher is kicked, the call still waits', async () => {
    const [offer] = await offered('tom', ['ed']);
    const { offer: declined, call } = await sut.decline(person('ed'), offer.id);
    expect(declined).toMatchObject({ status: 'declined' });
    expect(call).toMatchObject({ status: 'queued' });
    expect(ended).toEqual(['ed:declined']);
    expect(dispatcher.kicks).toBe(1);
    expect(await routing.offer(offer.id)).toMatchObject({ status: 'declined' });
  });

  it('puts the call back in its queue when xAssist fails after the accept, and the expert gets the error', async () => {
    const [offer] = await offered('tom', ['erika']);
    xassist.failures.push(new XAssistUnavailableError('503', true, 503));
    const accept = sut.accept(person('erika'), offer.id);
    await expect(accept).rejects.toBeInstanceOf(CallCreationFailedError);
    await expect(accept).rejects.toMatchObject({ httpStatus: 503 });
    expect(await calls.find(offer.callId)).toMatchObject({
      status: 'queued',
      experts: [],
      acceptedById: null,
    });
    expect(await types(offer.callId)).toEqual([
      'status.queued',
      'status.creating',
      'routing.accept_failed',
      'status.queued',
    ]);
    expect(ended).toEqual(['erika:accepted']);
    expect(dispatcher.kicks).toBe(1); // the dispatcher releases the offer and offers again
  });

  it('answers 409 to a second accept of the same offer', async () => {
    const [offer] = await offered('tom', ['erika']);
    await sut.accept(person('erika'), offer.id);
    await expect(sut.accept(person('erika'), offer.id)).rejects.toMatchObject({ httpStatus: 409 });
    expect(xassist.created).toHaveLength(1);
  });
});
