import { describe, expect, it } from '@jest/globals';
import { FakeClock } from '../../test/support/fake-clock.js';
import { capturedLogger } from '../../test/support/log-capture.js';
import type { AppConfig } from '../config/app-config.js';
import { DirectoryService } from '../directory/directory.service.js';
import { directoryFrom } from '../directory/directory.module.js';
import { DEMO_DIRECTORY } from '../directory/demo-directory.js';
import type { Person } from '../directory/person.js';
import { DEMO_ACCEPT_AFTER_MS, DemoExperts } from './demo-experts.js';
import type { PresenceService } from './presence.service.js';
import type { RoutedCalls } from './routed-calls.service.js';
import { brokerEvent } from '../events/broker-events.js';
import { EventBus } from '../events/event-bus.js';
import type { Offer } from './routing.model.js';

function demoExperts(demoMode: boolean) {
  const clock = new FakeClock();
  const logger = capturedLogger('debug').logger;
  const directory: DirectoryService = directoryFrom(DEMO_DIRECTORY);
  const bus = new EventBus(logger);
  const available: string[] = [];
  const accepts: Array<[string, string, unknown]> = [];
  const presence = { set: async (person: Person) => void available.push(person.id) };
  const routed = {
    accept: async (person: Person, offerId: string, options: unknown) => {
      accepts.push([person.id, offerId, options]);
      if (offerId === 'taken') throw new Error('409');
      return {};
    },
  };
  const sut = new DemoExperts(
    { demoMode } as AppConfig,
    directory,
    presence as unknown as PresenceService,
    routed as unknown as RoutedCalls,
    clock,
    logger,
  );
  bus.on('offer.created', 'after-commit', (notice) => sut.offered(notice));
  const notices = {
    emit: (_name: 'offer.created', notice: { offer: Offer; call: never }) =>
      bus.afterCommit([brokerEvent('offer.created', notice)]),
  };
  return { sut, clock, notices, available, accepts };
}

const offer = (id: string, expertId: string) => ({ id, expertId }) as Offer;

describe('DemoExperts', () => {
  it('in demo mode brings the experts online and has the demo expert take an unanswered offer, saying so', async () => {
    const { sut, clock, notices, available, accepts } = demoExperts(true);
    await sut.onApplicationBootstrap();
    expect(available).toEqual(['erika', 'ed', 'dana']);
    notices.emit('offer.created', { offer: offer('o1', 'dana'), call: {} as never });
    notices.emit('offer.created', { offer: offer('taken', 'dana'), call: {} as never });
    await clock.advance(DEMO_ACCEPT_AFTER_MS - 1);
    expect(accepts).toEqual([]);
    await clock.advance(1);
    expect(accepts).toEqual([
      ['dana', 'o1', { demoExpert: true }],
      ['dana', 'taken', { demoExpert: true }],
    ]);
    sut.onModuleDestroy();
  });

  it('never accepts for a person who is not a demo expert (Erika answers herself, or not)', async () => {
    const { sut, clock, notices, accepts } = demoExperts(true);
    notices.emit('offer.created', { offer: offer('o1', 'erika'), call: {} as never });
    notices.emit('offer.created', { offer: offer('o2', 'ed'), call: {} as never });
    await clock.advance(DEMO_ACCEPT_AFTER_MS * 10);
    expect(accepts).toEqual([]);
    sut.onModuleDestroy();
  });

  it('does nothing outside demo mode', async () => {
    const { sut, clock, notices, available, accepts } = demoExperts(false);
    await sut.onApplicationBootstrap();
    notices.emit('offer.created', { offer: offer('o1', 'dana'), call: {} as never });
    await clock.advance(DEMO_ACCEPT_AFTER_MS);
    expect([available, accepts]).toEqual([[], []]);
  });
});
