import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Clock } from '../common/clock.js';

/**
 * Paces something to `ratePerSecond` per key (docs/scaling.md › Shared rate limits): the xAssist
 * request budget, the outbox's sends to each destination, and any other budget several instances
 * must share.
 *
 * `tryTake` takes the key's slot only if it is free at that very moment, and otherwise answers how
 * long until one may be, reserving nothing. A slot is so spent at the moment its request goes out:
 * a slot reserved ahead and used late (a timer firing late behind a busy event loop) would go out
 * right beside the next slot's request, two within 1/rate.
 *
 * The algorithm is GCRA (the generic cell rate algorithm): a key holds one number, its
 * theoretical arrival time (TAT), the moment the next slot would be free if every slot were
 * taken exactly 1/rate apart. `burst` slots may be taken at once after a quiet spell; after that
 * they come 1/rate apart. In any window of W ms at most `burst - 1 + ceil(W * rate / 1000)` slots
 * start, and with `burst` 1 at most `rate` in any one second (half-open window).
 *
 * Why our own GCRA rather than a library: rate-limiter-flexible counts in fixed windows, which
 * let twice the limit through across a window boundary (the end of one, the start of the next),
 * and bottleneck's cluster mode (Redis) is unmaintained. GCRA keeps one number per key, holds in
 * every sliding window, and fits in a few lines of Lua timed by Redis's own clock.
 */
export abstract class RateLimiter {
  /** Other processes take slots of the same keys (Redis): a slot is decided away from its use. */
  abstract readonly sharedAcrossInstances: boolean;
  /**
   * Takes the key's slot if it is free now (GCRA, `burst` slots at once after a quiet spell, 1
   * by default): waitMs 0 when granted, else how many ms until one may be free (ask again then).
   * A refusal reserves nothing. `demand`: what this instance has waiting (see Demand).
   */
  abstract tryTake(
    key: string,
    ratePerSecond: number,
    burst?: number,
    demand?: Demand,
  ): Promise<SlotAnswer>;
}

/**
 * What an instance tells a shared key of its own demand with each tryTake: how many requests it
 * has waiting, kept for `keepMs` (it asks again before then while it has any).
 *
 * Why: a slot goes to whichever instance asks first, so without this two instances with equal
 * work race for every slot and one may win run after run while the other's requests wait (the
 * two-instance tail in docs/benchmarks.md › Invite latency). Knowing the total, an instance asks
 * only its share of the slots (XAssistBudget spaces its asks by total / own) and the instances
 * settle into taking turns; an instance alone, or one whose peers went quiet, asks for every slot.
 */
export interface Demand {
  instance: string;
  waiting: number;
  keepMs: number;
}

export interface SlotAnswer {
  /** 0: the slot is granted; else how many ms until one may be free. */
  waitMs: number;
  /** The waiting requests of every instance that told its demand lately, this one's included. */
  demand: number;
}

/**
 * One GCRA step on a key's TAT at `now`: granted (waitMs 0, the TAT moves on) only when the TAT less the burst
 * allowance has passed; refused, the TAT stays as it was.
 *
 * A grant leaves the TAT at most the allowance plus one interval ahead of its now. One further
 * ahead was set before the clock stepped back (NTP setting Redis's host, or this one's): it is
 * read as passed, or every request would wait until the clock caught up, an hour for an hour's
 * step. Nothing is over-sent: the slot granted is the first the clock has seen since the step.
 */
export function gcraTryStep(
  tat: number | undefined,
  now: number,
  ratePerSecond: number,
  burst = 1,
): { waitMs: number; tat: number | undefined } {
  const intervalMs = 1000 / ratePerSecond;
  const toleranceMs = (Math.max(1, burst) - 1) * intervalMs;
  const stale = tat !== undefined && tat > now + toleranceMs + intervalMs;
  const from = stale ? now : Math.max(tat ?? now, now);
  const early = from - toleranceMs - now;
  if (early > 0) return { waitMs: Math.ceil(early), tat };
  return { waitMs: 0, tat: from + intervalMs };
}

/** Keys whose TAT passed are forgotten when there are more than this many (they pace nothing). */
const SWEEP_ABOVE = 1_000;

/**
 * The limiter of one process, on its Clock: the only instance's, the fake clock's in unit
 * specs, and each instance's own while Redis is unreachable (see SharedRateLimiter).
 */
export class MemoryRateLimiter extends RateLimiter {
  readonly sharedAcrossInstances = false;
  private readonly tats = new Map<string, number>();
  private readonly demands = new Map<string, Map<string, { waiting: number; until: number }>>();

  constructor(private readonly clock: Clock) {
    super();
  }

  tryTake(key: string, ratePerSecond: number, burst = 1, demand?: Demand): Promise<SlotAnswer> {
    const waitMs = this.tryTakeNow(key, ratePerSecond, burst);
    return Promise.resolve({ waitMs, demand: this.demandNow(key, demand, waitMs === 0) });
  }

  /**
   * The demand told for `key` by every asker within its keepMs, `demand` included (the Redis
   * script's arithmetic). In one process that is this instance alone, but for unit specs that
   * stand several budgets on one limiter. A granted ask is kept as one fewer waiting: the last
   * request of an instance leaves nothing told behind it.
   */
  demandNow(key: string, demand: Demand | undefined, granted: boolean): number {
    if (demand === undefined) return 0;
    const now = this.clock.now();
    const told = this.demands.get(key) ?? new Map<string, { waiting: number; until: number }>();
    this.demands.set(key, told);
    const waiting = Math.max(0, demand.waiting - (granted ? 1 : 0));
    told.set(demand.instance, { waiting, until: now + demand.keepMs });
    let total = 0;
    for (const [instance, { waiting, until }] of told)
      if (until > now) total += waiting;
      else told.delete(instance);
    return total;
  }

  tryTakeNow(key: string, ratePerSecond: number, burst = 1): number {
    const step = gcraTryStep(this.swept().get(key), this.clock.now(), ratePerSecond, burst);
    if (step.tat !== undefined) this.tats.set(key, step.tat);
    return step.waitMs;
  }

  private swept(): Map<string, number> {
    const now = this.clock.now();
    if (this.tats.size > SWEEP_ABOVE)
      for (const [other, tat] of this.tats) if (tat <= now) this.tats.delete(other);
    return this.tats;
  }
}

/**
 * The GCRA step (gcraTryStep) and the demand (Demand) in one script, so read-decide-write is
 * atomic across every instance, timed by Redis's own clock (TIME), never an instance's: instances
 * whose clocks disagree still space the same key's slots by 1/rate. The TAT (in ms, with
 * decimals) is written only when the slot is granted, so a refusal costs the other instances
 * nothing, and kept only while it lies in the future. A TAT further ahead than a grant leaves it
 * dates from before Redis's clock stepped back: passed. redis.replicate_commands() lets TIME
 * precede a write on Redis before 5; later it is a no-op.
 */
export const GCRA_SCRIPT = `
redis.replicate_commands()
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
if tat > now + tolerance + interval then tat = now end
local early = tat - tolerance - now
if early <= 0 then
  local after = tat + interval
  redis.call('SET', KEYS[1], string.format('%.3f', after), 'PX', math.ceil(after - now) + 1000)
end
local demand = 0
if KEYS[2] then
  local keep = tonumber(ARGV[5])
  local left = tonumber(ARGV[4])
  if early <= 0 and left > 0 then left = left - 1 end
  redis.call('HSET', KEYS[2], ARGV[3], left .. ' ' .. string.format('%.3f', now + keep))
  local entries = redis.call('HGETALL', KEYS[2])
  for i = 1, #entries, 2 do
    local waiting, untilMs = string.match(entries[i + 1], '^(%d+) ([%d.]+)$')
    if untilMs and tonumber(untilMs) > now then demand = demand + tonumber(waiting)
    else redis.call('HDEL', KEYS[2], entries[i]) end
  end
  redis.call('PEXPIRE', KEYS[2], math.ceil(keep) + 1000)
end
if early > 0 then return { math.ceil(early), demand } end
return { 0, demand }
`;

const SCRIPT = {
  source: GCRA_SCRIPT,
  sha: createHash('sha1').update(GCRA_SCRIPT).digest('hex'),
};

/** A Redis answer later than this counts as Redis being unreachable. */
const ANSWER_WITHIN_MS = 1_000;

/**
 * The limit shared by every instance on one Redis (REDIS_URL): keys are `<prefix><key>`.
 *
 * While Redis is unreachable (an error, or no answer within a second) each instance falls back
 * to its own MemoryRateLimiter, each at the full rate: N instances may then send up to N times
 * the limit until Redis is back. Pacing keeps going rather than stopping every delivery for an
 * outage of a component that is not the source of truth; the fallback is logged once per outage.
 */
export class SharedRateLimiter extends RateLimiter {
  readonly sharedAcrossInstances = true;
  private outage = false;

  constructor(
    private readonly redis: Redis,
    private readonly alone: MemoryRateLimiter,
    private readonly logger: Logger,
    private readonly prefix = 'broker:rate:',
  ) {
    super();
  }

  async tryTake(
    key: string,
    ratePerSecond: number,
    burst = 1,
    demand?: Demand,
  ): Promise<SlotAnswer> {
    const intervalMs = 1000 / ratePerSecond;
    const keys = [`${this.prefix}${key}`];
    const args = [String(intervalMs), String((Math.max(1, burst) - 1) * intervalMs)];
    if (demand) {
      keys.push(`${this.prefix}${key}:demand`);
      args.push(demand.instance, String(Math.max(0, Math.floor(demand.waiting))));
      args.push(String(Math.max(1, demand.keepMs)));
    }
    const alone = () => {
      const waitMs = this.alone.tryTakeNow(key, ratePerSecond, burst);
      return [waitMs, this.alone.demandNow(key, demand, waitMs === 0)];
    };
    const [waitMs, total] = (await this.shared(keys, args, alone)) as number[];
    return { waitMs: Number(waitMs), demand: Number(total) };
  }

  /** The script's answer, or `alone`'s while Redis does not answer (the outage logged once). */
  private async shared<T>(keys: string[], args: string[], alone: () => T): Promise<unknown> {
    try {
      const answer = await this.withinDeadline(this.run(SCRIPT, keys, args));
      if (this.outage) {
        this.outage = false;
        this.logger.info('shared rate limits are kept in Redis again');
      }
      return answer;
    } catch (error) {
      if (!this.outage) {
        this.outage = true;
        this.logger.warn(
          { err: (error as Error).message },
          'Redis does not answer: this instance paces alone, at the full rate, until it does',
        );
      }
      return alone();
    }
  }

  /** EVALSHA, and EVAL once when this Redis has not seen the script (a restart, a new server). */
  private async run(
    script: { source: string; sha: string },
    keys: string[],
    args: string[],
  ): Promise<unknown> {
    try {
      return await this.redis.evalsha(script.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error as Error).message.startsWith('NOSCRIPT')) throw error;
      return this.redis.eval(script.source, keys.length, ...keys, ...args);
    }
  }

  private withinDeadline<T>(answer: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('no answer within a second')), ANSWER_WITHIN_MS);
      timer.unref();
    });
    return Promise.race([answer, late]).finally(() => clearTimeout(timer));
  }
}

/** The limiter for this process: shared through Redis when there is one, else its own. */
/** `keyPrefix`: REDIS_KEY_PREFIX, so that two deployments on one Redis keep their limits apart. */
export function rateLimiterFor(
  redis: Redis | null,
  clock: Clock,
  logger: Logger,
  keyPrefix = 'broker:',
): RateLimiter {
  const alone = new MemoryRateLimiter(clock);
  return redis
    ? new SharedRateLimiter(
        redis,
        alone,
        logger.child({ component: 'rate-limits' }),
        `${keyPrefix}rate:`,
      )
    : alone;
}
