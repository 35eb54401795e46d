import { Inject, Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { CallRepository } from '../calls/call.repository.js';
import { BrokerError } from '../common/broker-error.js';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DATABASE } from '../database/database.module.js';
import type { BrokerDatabase } from '../database/schema.js';
import { DirectoryService } from '../directory/directory.service.js';
import type { Person } from '../directory/person.js';
import { RoutedCalls } from '../routing/routed-calls.service.js';
import type { Offer } from '../routing/routing.model.js';
import { RoutingRepository } from '../routing/routing.repository.js';
import { verifyAcceptLink, type AcceptLinkClaims } from './accept-link.js';

/** What the page says: its HTTP status, a headline, a sentence; `confirm` offers the button. */
export interface AcceptAnswer {
  status: number;
  headline: string;
  text: string;
  confirm?: boolean;
}

const refusal = (status: number, headline: string, text: string): AcceptAnswer => ({
  status,
  headline,
  text,
});

type Redeemable =
  | { ok: true; claims: AcceptLinkClaims; expert: Person; offer: Offer }
  | { ok: false; answer: AcceptAnswer };

/**
 * Accept links from chat pages: a link names one call and one expert; following it and
 * confirming accepts that expert's pending offer of the call exactly as the dashboard does
 * (RoutedCalls.accept). Each link works once; a forged, expired or used one is a 4xx answer.
 */
@Injectable()
export class AcceptLinks {
  constructor(
    private readonly routed: RoutedCalls,
    private readonly calls: CallRepository,
    private readonly repository: RoutingRepository,
    private readonly directory: DirectoryService,
    private readonly clock: Clock,
    @Inject(DATABASE) private readonly db: Kysely<BrokerDatabase>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** GET: says what confirming would do; changes nothing (chat apps fetch links for previews). */
  async preview(token: string): Promise<AcceptAnswer> {
    const found = await this.redeemable(token);
    if (!found.ok) return found.answer;
    const call = await this.callTitle(found.offer.callId);
    return {
      status: 200,
      headline: `Accept "${call}"?`,
      text: `This accepts the request as ${found.expert.displayName}; xAssist then rings you.`,
      confirm: true,
    };
  }

  /** POST: accepts, once. */
  async accept(token: string): Promise<AcceptAnswer> {
    const found = await this.redeemable(token);
    if (!found.ok) return found.answer;
    const { claims, expert, offer } = found;
    const used = await this.db
      .insertInto('accept_link_use')
      .values({
        link_id: claims.linkId,
        call_id: claims.callId,
        expert_id: claims.expertId,
        used_at: this.clock.isoNow(),
      })
      .onConflict((oc) => oc.column('link_id').doNothing())
      .executeTakeFirst();
    if (Number(used.numInsertedOrUpdatedRows ?? 0n) !== 1) return this.usedAnswer();
    try {
      const { call } = await this.routed.accept(expert, offer.id);
      return {
        status: 200,
        headline: 'Accepted',
        text: `"${call.title}" is yours, ${expert.displayName}: xAssist is ringing you now.`,
      };
    } catch (error) {
      // Not accepted after all: the link may be tried again while its offer lasts.
      await this.db.deleteFrom('accept_link_use').where('link_id', '=', claims.linkId).execute();
      if (!(error instanceof BrokerError)) throw error;
      // A 5xx (xAssist away) is xAssist's, not the link's: the page says so with that status.
      return refusal(error.httpStatus, 'Not accepted', error.message);
    }
  }

  private async redeemable(token: string): Promise<Redeemable> {
    const verified = verifyAcceptLink(this.config.paging.acceptLinkSecret, token, this.clock.now());
    if (!verified.ok) {
      const answer =
        verified.problem === 'expired'
          ? refusal(
              410,
              'This link has expired',
              'The request stopped waiting; see the dashboard for what is open.',
            )
          : verified.problem === 'forged'
            ? refusal(
                401,
                'This link is not valid',
                'It was not made by this broker, or it was changed.',
              )
            : refusal(
                400,
                'This is not an accept link',
                'Copy the whole link from the chat message.',
              );
      return { ok: false, answer };
    }
    const { claims } = verified;
    const expert = this.directory.find(claims.expertId);
    if (!expert?.roles.includes('expert'))
      return {
        ok: false,
        answer: refusal(
          403,
          'This link is not valid',
          `${claims.expertId} is no expert of the directory.`,
        ),
      };
    const use = await this.db
      .selectFrom('accept_link_use')
      .select('link_id')
      .where('link_id', '=', claims.linkId)
      .executeTakeFirst();
    if (use) return { ok: false, answer: this.usedAnswer() };
    const offers = await this.repository.offersOfCalls([claims.callId]);
    const offer = offers.find((o) => o.expertId === expert.id && o.status === 'pending');
    if (offer) return { ok: true, claims, expert, offer };
    const taken = offers.find((o) => o.status === 'accepted');
    if (taken) {
      const by =
        taken.expertId === expert.id
          ? 'you'
          : (this.directory.find(taken.expertId)?.displayName ?? taken.expertId);
      return {
        ok: false,
        answer: refusal(409, 'Already taken', `This request was accepted by ${by}.`),
      };
    }
    return {
      ok: false,
      answer: refusal(
        409,
        'Nothing to accept right now',
        `No offer of this request is open to ${expert.displayName} now (it timed out, was declined, ended, or goes to someone else first). Open the dashboard to see what waits.`,
      ),
    };
  }

  private usedAnswer(): AcceptAnswer {
    return refusal(410, 'This link was already used', 'Each accept link works once.');
  }

  private async callTitle(callId: string): Promise<string> {
    return (await this.calls.find(callId))?.title ?? callId;
  }
}
