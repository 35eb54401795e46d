import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { CallChange } from '../../src/calls/call-change.js';
import { CallCreation } from '../../src/calls/call-creation.js';
import { CallLedger } from '../../src/calls/call-ledger.service.js';
import { CallLeases } from '../../src/calls/call-leases.js';
import { CallLeaseStore } from '../../src/calls/kysely-call-lease.store.js';
import type { CallStatus } from '../../src/calls/call-lifecycle.js';
import type { CallRecord } from '../../src/calls/call.model.js';
import { CreationReconciler } from '../../src/calls/creation-reconciler.js';
import { FallbackMeetings, type FallbackMeetingMaker } from '../../src/calls/fallback-meetings.js';
import { KyselyCallRepository } from '../../src/calls/kysely-call.repository.js';
import type { QueueAdmission } from '../../src/calls/queue-admission.port.js';
import { NoOtherInstances, type ClusterSignals } from '../../src/cluster/cluster-signals.js';
import { ClusterRole } from '../../src/cluster/cluster-role.js';
import { SoleInstance } from './cluster-role.js';
import { SecretBox } from '../../src/common/secret-box.js';
import { loadConfig, type AppConfig } from '../../src/config/app-config.js';
import { migrateToLatest, openDatabase } from '../../src/database/database.js';
import type { BrokerDatabase } from '../../src/database/schema.js';
import { directoryFrom } from '../../src/directory/directory.module.js';
import type { DirectoryService } from '../../src/directory/directory.service.js';
import { EventBus } from '../../src/events/event-bus.js';
import { MetricsService } from '../../src/metrics/metrics.service.js';
import { aCreatingCall } from './call-records.js';
import { FakeClock } from './fake-clock.js';
import { capturedLogger } from './log-capture.js';
import { PEOPLE } from './people.js';
import { ScriptedXAssist } from './scripted-xassist.js';

/** The pumps queue of the specs: erika's skill, named for pages. */
export const PUMPS = { id: 'pumps', name: 'Pumps', skills: ['pumps'] };

/**
 * The specs' directory: the e2e broker's people (./people.ts) and `queues`; an entry of `more`
 * replaces the person of its id (a skill added, say) or adds one the broker does not know.
 */
export function peopleDirectory(
  queues: object[] = [PUMPS],
  ...more: Array<{ id: string; [field: string]: unknown }>
): DirectoryService {
  const byId = new Map(PEOPLE.map((person): [string, object] => [person.id, person]));
  for (const person of more) byId.set(person.id, person);
  return directoryFrom({ people: [...byId.values()], queues });
}

/** An in-memory SQLite database, migrated to the latest schema. */
export async function memoryDatabase(): Promise<Kysely<BrokerDatabase>> {
  const { db } = openDatabase('sqlite::memory:');
  await migrateToLatest(db);
  return db;
}

export interface CallsStackOptions<R extends KyselyCallRepository> {
  /** peopleDirectory() unless given. */
  directory?: DirectoryService;
  /** The call repository on the stack's database (a spec's subclass); KyselyCallRepository else. */
  repository?: (db: Kysely<BrokerDatabase>) => R;
  /** Fallback meetings stored sealed, with a key, as production has whenever one is configured. */
  sealed?: boolean;
  /** The captured logger's level: 'silent' unless given. */
  logLevel?: string;
  /** The instance's role (the reconciler's leadership): the sole instance unless given. */
  role?: ClusterRole;
  /** loadConfig({ BROKER_MODE: 'demo' }) unless given. */
  config?: AppConfig;
  /** The other instances as the call leases reach them: NoOtherInstances unless given. */
  signals?: ClusterSignals;
  /** Routing's admission as the reconciler finishes interrupted ones with it: none unless given. */
  admission?: QueueAdmission;
}

/** What the calls layer is made of in a unit spec, wired as CallsModule wires it. */
export interface CallsStack<R extends KyselyCallRepository = KyselyCallRepository> {
  db: Kysely<BrokerDatabase>;
  clock: FakeClock;
  /** The logger and the lines it wrote. */
  log: { logger: Logger; lines: string[] };
  logger: Logger;
  metrics: MetricsService;
  directory: DirectoryService;
  config: AppConfig;
  calls: R;
  bus: EventBus;
  ledger: CallLedger;
  /** This instance's call leases, their event handlers on `bus` (not started: no heartbeat). */
  leases: CallLeases;
  xassist: ScriptedXAssist;
  /** CallCreation without a fallback-meeting maker. */
  creation: CallCreation;
  /** A CallCreation of its own on the same parts, offering meetings from `maker` if given. */
  creationWith(maker?: FallbackMeetingMaker): CallCreation;
  reconciler: CreationReconciler;
  /**
   * Inserts a call as `creating` at the clock's now (as CallsService leaves it), `fields` over
   * aCreatingCall, then commits each of `statuses` in turn (a `queued` one stamps queuedAt).
   */
  insertCall(fields?: Partial<CallRecord>, ...statuses: CallStatus[]): Promise<CallRecord>;
  /** Stops the reconciler, waits for the bus's after-commit handlers, closes the database. */
  close(): Promise<void>;
}

/** The one factory of the unit specs' calls layer: a database, a fake clock and every part above it. */
export async function callsStack<R extends KyselyCallRepository = KyselyCallRepository>(
  options: CallsStackOptions<R> = {},
): Promise<CallsStack<R>> {
  const db = await memoryDatabase();
  const clock = new FakeClock();
  const log = capturedLogger(options.logLevel ?? 'silent');
  const { logger } = log;
  const metrics = new MetricsService();
  const directory = options.directory ?? peopleDirectory();
  const config = options.config ?? loadConfig({ BROKER_MODE: 'demo' });
  const box = options.sealed ? new SecretBox([{ id: 'k1', key: randomBytes(32) }]) : undefined;
  const calls = options.repository?.(db) ?? (new KyselyCallRepository(db, box) as R);
  const bus = new EventBus(logger);
  const ledger = new CallLedger(calls, bus);
  const signals = options.signals ?? new NoOtherInstances();
  const leases = new CallLeases(config, logger, new CallLeaseStore(db), clock, signals);
  bus.on('call.created', 'in-transaction', (created, trx) => leases.claimCreated(created, trx));
  bus.on('call.created', 'after-commit', (created) => leases.created(created));
  bus.on('call.ended', 'in-transaction', (ended, trx) => leases.endLease(ended, trx));
  bus.on('call.committed', 'after-commit', (committed) => leases.announce(committed));
  const xassist = new ScriptedXAssist(() => clock.now());
  const creationWith = (maker?: FallbackMeetingMaker) =>
    new CallCreation(
      logger,
      calls,
      ledger,
      directory,
      xassist,
      metrics,
      clock,
      new FallbackMeetings(logger, maker),
    );
  const creation = creationWith();
  const reconciler = new CreationReconciler(
    config,
    logger,
    calls,
    creation,
    xassist,
    clock,
    options.role ?? new SoleInstance('spec-instance'),
    options.admission,
  );

  async function insertCall(fields: Partial<CallRecord> = {}, ...statuses: CallStatus[]) {
    let call = aCreatingCall(clock.isoNow(), fields);
    await ledger.insert(call, null, async () => undefined);
    for (const status of statuses) {
      const change = new CallChange(call, clock.isoNow());
      change.transition(status, status === 'queued' ? { queuedAt: clock.isoNow() } : {});
      await ledger.record(change);
      call = change.call;
    }
    return call;
  }

  async function close() {
    await reconciler.onApplicationShutdown();
    await bus.idle();
    await db.destroy();
  }

  return {
    db,
    clock,
    log,
    logger,
    metrics,
    directory,
    config,
    calls,
    bus,
    ledger,
    leases,
    xassist,
    creation,
    creationWith,
    reconciler,
    insertCall,
    close,
  };
}
