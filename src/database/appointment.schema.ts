import type { Kysely, Migration } from 'kysely';

/**
 * A booked session (src/appointments): one technician, one expert (named, or assigned from a
 * queue at booking time), a start and an end, and the call made for it. Its context (title,
 * reason, description, externalRef, metadata) lives on that call.
 */
export interface AppointmentsTable {
  id: string;
  /** `booked` or `cancelled`. */
  status: string;
  title: string;
  technician_id: string;
  expert_id: string;
  /** The queue it was booked through; null when the expert was named. */
  queue_id: string | null;
  /** ISO-8601 UTC, like every stored time; ends_at = starts_at + duration_minutes. */
  starts_at: string;
  ends_at: string;
  duration_minutes: number;
  /** The IANA zone it was booked in: the .ics and the local times are shown in it. */
  time_zone: string;
  /** Its current call (a reschedule makes a new one; the old one is cancelled). */
  call_id: string;
  /** Who booked it: the technician, a supervisor or an integration. */
  created_by: string;
  /** iCalendar SEQUENCE: 0 when booked, one more per reschedule and for the cancel. */
  sequence: number;
  cancel_reason: string | null;
  created_at: string;
  updated_at: string;
}

export interface AppointmentTables {
  appointments: AppointmentsTable;
}

export const appointmentMigrations: Record<string, Migration> = {
  '2026-12-07-200-appointments': {
    // Booked sessions (docs/api.md, "Booked sessions") and their calls' planned start.
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('calls').addColumn('planned_for', 'varchar(32)').execute();
      await db.schema
        .createTable('appointments')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('technician_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('expert_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('queue_id', 'varchar(64)')
        .addColumn('starts_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('ends_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('duration_minutes', 'integer', (c) => c.notNull())
        .addColumn('time_zone', 'varchar(64)', (c) => c.notNull())
        .addColumn('call_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('created_by', 'varchar(128)', (c) => c.notNull())
        .addColumn('sequence', 'integer', (c) => c.notNull())
        .addColumn('cancel_reason', 'text')
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('appointments_expert')
        .on('appointments')
        .columns(['expert_id', 'starts_at'])
        .execute();
      await db.schema
        .createIndex('appointments_technician')
        .on('appointments')
        .columns(['technician_id', 'starts_at'])
        .execute();
      await db.schema
        .createIndex('appointments_starts')
        .on('appointments')
        .column('starts_at')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('appointments').execute();
      await db.schema.alterTable('calls').dropColumn('planned_for').execute();
    },
  },
};
