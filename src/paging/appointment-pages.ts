import { Inject, Injectable } from '@nestjs/common';
import type {
  AppointmentBooked,
  AppointmentCancelled,
  AppointmentMoved,
} from '../appointments/appointment-facts.js';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DirectoryService } from '../directory/directory.service.js';
import type { Writer } from '../events/broker-events.js';
import { OnEvent } from '../events/on-event.js';
import { OutboxStore } from '../outbox/kysely-outbox.store.js';
import { OutboxDispatcher } from '../outbox/outbox-dispatcher.service.js';
import { PagingService } from './paging.service.js';
import { REMINDER_PAGE, sessionPages, type SessionChange } from './session-pages.js';

/**
 * A booked session's pages to its expert (`booked`, `reminder`, `cancelled` rules), written as
 * outbox rows in the transaction that books, moves or cancels it: a crash keeps both or neither.
 * A reminder is a row due `reminderMinutes` before the start; the outbox's claim gives each row
 * to one instance of the cluster, so it goes out once. A move or a cancel supersedes the
 * session's reminders not yet sent; a move writes the new time's (its new sequence).
 */
@Injectable()
export class AppointmentPages {
  constructor(
    private readonly paging: PagingService,
    private readonly outbox: OutboxStore,
    private readonly directory: DirectoryService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly dispatcher: OutboxDispatcher,
  ) {}

  @OnEvent('appointment.booked', 'in-transaction')
  async booked({ appointment }: AppointmentBooked, trx: Writer): Promise<void> {
    await this.write(trx, { kind: 'booked', appointment });
  }

  @OnEvent('appointment.moved', 'in-transaction')
  async moved({ appointment, before }: AppointmentMoved, trx: Writer): Promise<void> {
    await this.supersedeReminders(trx, appointment.id, 'moved');
    await this.write(trx, { kind: 'moved', appointment, before });
  }

  @OnEvent('appointment.cancelled', 'in-transaction')
  async cancelled({ appointment }: AppointmentCancelled, trx: Writer): Promise<void> {
    await this.supersedeReminders(trx, appointment.id, 'cancelled');
    await this.write(trx, { kind: 'cancelled', appointment });
  }

  /** The pages committed: out now rather than at the outbox's next poll. */
  @OnEvent('appointment.booked', 'after-commit')
  @OnEvent('appointment.moved', 'after-commit')
  @OnEvent('appointment.cancelled', 'after-commit')
  wake(): void {
    if (this.paging.paging) this.dispatcher.wake();
  }

  private async write(trx: Writer, change: SessionChange): Promise<void> {
    if (!this.paging.paging) return;
    const nowMs = this.clock.now();
    const pages = sessionPages(change, {
      rules: this.paging.pagingRules,
      person: (id) => this.directory.find(id),
      linked: this.config.paging.publicUrl !== undefined,
      nowMs,
    });
    if (pages.length === 0) return;
    // A reminder's row is written due at its minute (message.dueAt): the outbox sends it then.
    await this.outbox.add(
      trx,
      pages.map((page) => page.message),
      new Date(nowMs).toISOString(),
    );
  }

  /** The session's reminders not yet sent (nor being sent) will never be. */
  private async supersedeReminders(trx: Writer, appointmentId: string, why: string) {
    await this.outbox.supersedePending(
      trx,
      {
        callId: appointmentId,
        eventTypes: [REMINDER_PAGE],
        why: `superseded: the session was ${why} before this reminder went out`,
      },
      this.clock.isoNow(),
    );
  }
}
