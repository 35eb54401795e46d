import { describe, expect, it } from '@jest/globals';
import { Global, Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { capturedLogger } from '../../test/support/log-capture.js';
import type { CallRecord } from '../calls/call.model.js';
import { migrateToLatest, openDatabase } from '../database/database.js';
import { ROOT_LOGGER } from '../logging/logger.js';
import { brokerEvent, type Writer } from './broker-events.js';
import { EventBus } from './event-bus.js';
import { EventsModule } from './events.module.js';
import { OnEvent } from './on-event.js';
// The calls' events, for the map's types.
import '../calls/call-facts.js';

const created = (id: string) => brokerEvent('call.created', { call: { id } as CallRecord });

/** Records what it heard, in order; writes a row in the change's transaction. */
@Injectable()
class Listener {
  readonly heard: string[] = [];

  @OnEvent('call.created', 'in-transaction')
  async write({ call }: { call: CallRecord }, trx: Writer): Promise<void> {
    this.heard.push(`write ${call.id}`);
    await trx
      .insertInto('idempotency_keys')
      .values({ caller_id: 'c', key: call.id, body_hash: 'h', call_id: call.id, created_at: 'now' })
      .execute();
  }

  @OnEvent('call.created', 'after-commit')
  deliver({ call }: { call: CallRecord }): void {
    this.heard.push(`deliver ${call.id}`);
  }
}

abstract class Port {}

@Module({
  providers: [Listener, { provide: Port, useExisting: Listener }],
})
class FeatureModule {}

describe('EventBus', () => {
  async function started() {
    const log = capturedLogger();
    // ROOT_LOGGER is global in the app (CoreModule); here a global module of the test's own.
    @Global()
    @Module({ providers: [{ provide: ROOT_LOGGER, useValue: log.logger }], exports: [ROOT_LOGGER] })
    class LoggerModule {}
    const app = await Test.createTestingModule({
      imports: [LoggerModule, EventsModule, FeatureModule],
    }).compile();
    await app.init();
    return { app, bus: app.get(EventBus), listener: app.get(Listener), log };
  }

  it('finds @OnEvent handlers at start-up, once per instance (a port given with useExisting is not a second one)', async () => {
    const { app, bus, listener } = await started();
    expect(bus.writesFor([created('a')])).toBe(true);
    bus.afterCommit([created('a'), created('b')]);
    expect(listener.heard).toEqual(['deliver a', 'deliver b']);
    await app.close();
  });

  it('runs in-transaction handlers in the transaction: a throw rolls the whole change back', async () => {
    const { db } = openDatabase('sqlite::memory:');
    await migrateToLatest(db);
    const bus = new EventBus(capturedLogger().logger);
    const written: string[] = [];
    bus.on('call.created', 'in-transaction', async ({ call }, trx) => {
      await trx
        .insertInto('idempotency_keys')
        .values({ caller_id: 'c', key: call.id, body_hash: 'h', call_id: call.id, created_at: 'x' })
        .execute();
      written.push(call.id);
    });
    bus.on('call.created', 'in-transaction', async ({ call }) => {
      if (call.id === 'bad') throw new Error('refused');
    });
    expect(bus.writesFor([created('x')])).toBe(true);
    expect(
      bus.writesFor([brokerEvent('call.placed', { call: {} as never, technicianId: 't' })]),
    ).toBe(false);
    await db.transaction().execute((trx) => bus.inTransaction(trx, [created('good')]));
    await expect(
      db.transaction().execute((trx) => bus.inTransaction(trx, [created('bad')])),
    ).rejects.toThrow('refused');
    const keys = await db.selectFrom('idempotency_keys').select('key').execute();
    expect([written, keys.map((row) => row.key)]).toEqual([['good', 'bad'], ['good']]);
    await db.destroy();
  });

  it('after the commit, a failing handler is logged and the others still run, in order; idle() waits for them', async () => {
    const log = capturedLogger();
    const bus = new EventBus(log.logger);
    const heard: string[] = [];
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    bus.on('call.created', 'after-commit', function throws() {
      throw new Error('socket gone');
    });
    bus.on('call.created', 'after-commit', async function rejects() {
      throw new Error('later');
    });
    bus.on('call.created', 'after-commit', async ({ call }) => {
      await slow;
      heard.push(`slow ${call.id}`);
    });
    bus.on('call.created', 'after-commit', ({ call }) => void heard.push(call.id));
    bus.afterCommit([created('a'), created('b')]);
    expect(heard).toEqual(['a', 'b']);
    let idle = false;
    const waiting = bus.idle().then(() => (idle = true));
    await Promise.resolve();
    expect(idle).toBe(false);
    release();
    await waiting;
    expect(heard).toEqual(['a', 'b', 'slow a', 'slow b']);
    const failures = log.lines.filter((line) => line.includes('an event handler failed'));
    expect(failures).toHaveLength(4);
    const handlers = failures.map((line) => JSON.parse(line).handler as string);
    expect(handlers.sort()).toEqual(['rejects', 'rejects', 'throws', 'throws']);
  });
});
