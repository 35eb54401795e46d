import { Inject, Injectable } from '@nestjs/common';
import { PostgresAdapter, sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { AppointmentsTable } from '../database/appointment.schema.js';
import { DATABASE } from '../database/database.module.js';
import { END_STATUSES } from '../calls/call-lifecycle.js';
import { DURATION_MINUTES } from './booking-rules.js';
import type { BrokerDatabase } from '../database/schema.js';
import type { AppointmentRecord, AppointmentStatus } from './appointment.model.js';
import type { BookedSlot } from './booking-rules.js';

type Db = Kysely<BrokerDatabase> | Transaction<BrokerDatabase>;

/** Who a list is for: any of these matches (a person may be technician and expert). */
export interface AppointmentAudience {
  /** Every appointment (a supervisor). */
  all: boolean;
  technicianId?: string;
  expertId?: string;
  createdBy?: string;
}

export interface AppointmentQuery {
  audience: AppointmentAudience;
  /** Sessions ending after this instant. */
  from?: string;
  /** Sessions starting before this instant. */
  to?: string;
  /** Only this expert's sessions. */
  expertId?: string;
  limit: number;
}

function toRow(record: AppointmentRecord): AppointmentsTable {
  return {
    id: record.id,
    status: record.status,
    title: record.title,
    technician_id: record.technicianId,
    expert_id: record.expertId,
    queue_id: record.queueId,
    starts_at: record.startsAt,
    ends_at: record.endsAt,
    duration_minutes: record.durationMinutes,
    time_zone: record.timeZone,
    call_id: record.callId,
    created_by: record.createdBy,
    sequence: record.sequence,
    cancel_reason: record.cancelReason,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}

function fromRow(row: Selectable<AppointmentsTable>): AppointmentRecord {
  return {
    id: row.id,
    status: row.status as AppointmentStatus,
    title: row.title,
    technicianId: row.technician_id,
    expertId: row.expert_id,
    queueId: row.queue_id,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    durationMinutes: Number(row.duration_minutes),
    timeZone: row.time_zone,
    callId: row.call_id,
    createdBy: row.created_by,
    sequence: Number(row.sequence),
    cancelReason: row.cancel_reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The appointments table (SQLite and PostgreSQL alike). */
@Injectable()
export class AppointmentRepository {
  constructor(@Inject(DATABASE) readonly db: Kysely<BrokerDatabase>) {}

  /**
   * Makes the rest of `trx` the only booking step in the cluster: a clash check and the write it
   * admits cannot interleave with another booking's (two parallel requests for one expert, or two
   * queue bookings picking the same one). PostgreSQL: a transaction-scoped advisory lock, so the
   * next booking's reads see this one's committed row. SQLite: Kysely holds its one connection
   * from BEGIN to COMMIT, so nothing else of this process runs in between (as quotas' lockPerson).
   * Bookings are rare; one lock for all of them keeps a queue booking's choice among many experts
   * simple and correct.
   */
  async lockBookings(trx: Transaction<BrokerDatabase>): Promise<void> {
    if (!(trx.getExecutor().adapter instanceof PostgresAdapter)) return;
    await sql`select pg_advisory_xact_lock(hashtext('appointments'), 0)`.execute(trx);
  }

  async insert(trx: Db, record: AppointmentRecord): Promise<void> {
    await trx.insertInto('appointments').values(toRow(record)).execute();
  }

  /** Writes the record if it still has `sequence` (nobody moved or cancelled it since); false if not. */
  async updateIf(record: AppointmentRecord, sequence: number, trx: Db = this.db): Promise<boolean> {
    const { id, ...fields } = toRow(record);
    const updated = await trx
      .updateTable('appointments')
      .set(fields)
      .where('id', '=', id)
      .where('sequence', '=', sequence)
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1;
  }

  async find(id: string, trx: Db = this.db): Promise<AppointmentRecord | undefined> {
    const row = await trx
      .selectFrom('appointments')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && fromRow(row);
  }

  async findByCall(callId: string): Promise<AppointmentRecord | undefined> {
    const row = await this.db
      .selectFrom('appointments')
      .selectAll()
      .where('call_id', '=', callId)
      .executeTakeFirst();
    return row && fromRow(row);
  }

  /**
   * Booked (not cancelled) sessions of these people, as their expert (or, `of: 'technician'`, as
   * their technician), that overlap [fromMs, toMs).
   */
  async bookedSlots(
    trx: Db,
    personIds: readonly string[],
    fromMs: number,
    toMs: number,
    of: 'expert' | 'technician' = 'expert',
  ): Promise<BookedSlot[]> {
    if (personIds.length === 0) return [];
    // A session whose call already ended (missed before its start, cancelled by hand) holds no
    // time any more: it is over, and may be moved or cancelled.
    const rows = await trx
      .selectFrom('appointments')
      .innerJoin('calls', 'calls.id', 'appointments.call_id')
      .select([
        'appointments.id as id',
        'appointments.expert_id as expert_id',
        'appointments.starts_at as starts_at',
        'appointments.ends_at as ends_at',
      ])
      .where('appointments.status', '=', 'booked')
      .where('calls.status', 'not in', [...END_STATUSES])
      .where(of === 'expert' ? 'appointments.expert_id' : 'appointments.technician_id', 'in', [
        ...personIds,
      ])
      .where('appointments.starts_at', '<', new Date(toMs).toISOString())
      .where('appointments.ends_at', '>', new Date(fromMs).toISOString())
      .execute();
    return rows.map((row) => ({
      id: row.id,
      expertId: row.expert_id,
      startsAtMs: Date.parse(row.starts_at),
      endsAtMs: Date.parse(row.ends_at),
    }));
  }

  /** How many sessions the technician has booked that have not started (nor ended early). */
  async upcomingCount(trx: Db, technicianId: string, nowMs: number): Promise<number> {
    const row = await trx
      .selectFrom('appointments')
      .innerJoin('calls', 'calls.id', 'appointments.call_id')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('appointments.status', '=', 'booked')
      .where('calls.status', 'not in', [...END_STATUSES])
      .where('appointments.technician_id', '=', technicianId)
      .where('appointments.starts_at', '>', new Date(nowMs).toISOString())
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  /** Booked sessions overlapping [fromMs, toMs), with their call's status (routing's presence). */
  async sessionsWithCalls(
    fromMs: number,
    toMs: number,
  ): Promise<{ expertId: string; startsAt: string; endsAt: string; callStatus: string | null }[]> {
    return (
      this.db
        .selectFrom('appointments')
        .leftJoin('calls', 'calls.id', 'appointments.call_id')
        .select([
          'appointments.expert_id as expertId',
          'appointments.starts_at as startsAt',
          'appointments.ends_at as endsAt',
          'calls.status as callStatus',
        ])
        .where('appointments.status', '=', 'booked')
        .where('appointments.starts_at', '<', new Date(toMs).toISOString())
        // No session is longer than DURATION_MINUTES.max: a lower bound the starts index can use,
        // so routing's tick never reads every past session.
        .where(
          'appointments.starts_at',
          '>',
          new Date(fromMs - DURATION_MINUTES.max * 60_000).toISOString(),
        )
        .where('appointments.ends_at', '>', new Date(fromMs).toISOString())
        .execute()
    );
  }

  async list(query: AppointmentQuery): Promise<AppointmentRecord[]> {
    const { audience } = query;
    let select = this.db.selectFrom('appointments').selectAll();
    if (!audience.all) {
      select = select.where((eb) => {
        const whose = [];
        if (audience.technicianId) whose.push(eb('technician_id', '=', audience.technicianId));
        if (audience.expertId) whose.push(eb('expert_id', '=', audience.expertId));
        if (audience.createdBy) whose.push(eb('created_by', '=', audience.createdBy));
        // Nobody of these: no row (ids are never null).
        return whose.length === 0 ? eb('id', 'is', null) : eb.or(whose);
      });
    }
    // Stored as UTC text with milliseconds: the bounds are written the same way before they are
    // compared as text ("09:00+02:00" is 07:00Z, and would compare wrong as given).
    const utc = (instant: string) => new Date(Date.parse(instant)).toISOString();
    if (query.from) select = select.where('ends_at', '>', utc(query.from));
    if (query.to) select = select.where('starts_at', '<', utc(query.to));
    if (query.expertId) select = select.where('expert_id', '=', query.expertId);
    const rows = await select.orderBy('starts_at').orderBy('id').limit(query.limit).execute();
    return rows.map(fromRow);
  }
}
