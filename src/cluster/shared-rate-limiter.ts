import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Clock } from '../common/clock.js';
import {
  heldForOther,
  MIN_SHARE,
  MOST_CREDIT,
  tellDemand,
  tookSlot,
  type Turns,
} from './slot-turns.js';

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
 * What an instance tells a shared key with each tryTake: how many requests it has waiting, kept
 * for `keepMs` (it asks again before then while it has any). With it, a free slot goes to the
 * instance whose turn it is, the turns in proportion to what each has waiting, and is held for
 * the turn-holder `graceMs` at most (cluster/slot-turns.ts says why).
 */
export interface Demand {
  instance: string;
  waiting: number;
  keepMs: number;
  graceMs: number;
}

export interface SlotAnswer {
  /** 0: the slot is granted; else how many ms until one may be free. */
  waitMs: number;
  /**
   * The waiting requests of every instance that told its demand lately, this one's included (0
   * without a Demand): what the key knows, for the specs and anyone who reads it.
   */
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

/**
 * When the free slot became free: the TAT less the burst allowance, or long ago when there is no
 * TAT or only one from before the clock stepped back.
 */
export function freeSince(
  tat: number | undefined,
  now: number,
  ratePerSecond: number,
  burst = 1,
): number {
  const intervalMs = 1000 / ratePerSecond;
  const toleranceMs = (Math.max(1, burst) - 1) * intervalMs;
  if (tat === undefined || tat > now + toleranceMs + intervalMs) return -Infinity;
  return tat - toleranceMs;
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
  private readonly turns = new Map<string, Turns>();

  constructor(private readonly clock: Clock) {
    super();
  }

  tryTake(key: string, ratePerSecond: number, burst = 1, demand?: Demand): Promise<SlotAnswer> {
    return Promise.resolve(this.tryTakeNow(key, ratePerSecond, burst, demand));
  }

  /** tryTake, answered at once (the fallback of SharedRateLimiter while Redis is away). */
  tryTakeNow(key: string, ratePerSecond: number, burst = 1, demand?: Demand): SlotAnswer {
    const now = this.clock.now();
    const tat = this.swept().get(key);
    const step = gcraTryStep(tat, now, ratePerSecond, burst);
    let total = 0;
    let held = 0;
    if (demand !== undefined) {
      const turns = this.turns.get(key) ?? { words: new Map() };
      this.turns.set(key, turns);
      total = tellDemand(turns, demand.instance, demand.waiting, now + demand.keepMs, now);
      const since = step.waitMs > 0 ? now : freeSince(tat, now, ratePerSecond, burst);
      if (step.waitMs === 0)
        held = heldForOther(turns, demand.instance, now, since, demand.graceMs);
      if (step.waitMs === 0 && held === 0) tookSlot(turns, demand.instance);
    }
    if (step.waitMs > 0 || held > 0) return { waitMs: step.waitMs || held, demand: total };
    this.tats.set(key, step.tat!);
    return { waitMs: 0, demand: total };
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
local stored = tonumber(redis.call('GET', KEYS[1]) or '0')
if stored > now + tolerance + interval then stored = 0 end
local tat = stored
if tat < now then tat = now end
local early = tat - tolerance - now
local total = 0
local held = 0
if KEYS[2] then
  local me = ARGV[3]
  local keep = tonumber(ARGV[5])
  local grace = tonumber(ARGV[6])
  local words = {}
  local turn = nil
  local entries = redis.call('HGETALL', KEYS[2])
  for i = 1, #entries, 2 do
    if entries[i] == '~turn' then turn = entries[i + 1]
    else
      local w, u, c = string.match(entries[i + 1], '^(%d+) ([%d.]+) ([-%d.]+)$')
      if u then words[entries[i]] = { waiting = tonumber(w), untilMs = tonumber(u), credit = tonumber(c) } end
    end
  end
  local credit = 0
  if words[me] then credit = words[me].credit end
  words[me] = { waiting = tonumber(ARGV[4]), untilMs = now + keep, credit = credit }
  for name, word in pairs(words) do
    if word.untilMs > now then total = total + word.waiting
    else words[name] = nil redis.call('HDEL', KEYS[2], name) end
  end
  if early <= 0 and turn and turn ~= me and words[turn] and words[turn].waiting > 0 then
    local since = -1e300
    if stored > 0 then since = stored - tolerance end
    held = math.max(0, math.ceil(grace - (now - since)))
  end
  if early <= 0 and held == 0 then
    local shares = 0
    for _, word in pairs(words) do
      if word.waiting > 0 then
        word.share = math.max(${MIN_SHARE}, word.waiting / total)
        shares = shares + word.share
      end
    end
    for name, word in pairs(words) do
      if word.waiting > 0 then word.credit = word.credit + word.share / shares end
      if name == me then
        word.credit = word.credit - 1
        word.waiting = math.max(0, word.waiting - 1)
      end
      word.credit = math.max(-${MOST_CREDIT}, math.min(${MOST_CREDIT}, word.credit))
    end
    local nextTurn = nil
    local best = -math.huge
    for name, word in pairs(words) do
      local c = word.credit
      if name == me then c = c - 1e-9 end
      if word.waiting > 0 and c > best then nextTurn = name best = c end
    end
    if nextTurn then redis.call('HSET', KEYS[2], '~turn', nextTurn)
    else redis.call('HDEL', KEYS[2], '~turn') end
  end
  for name, word in pairs(words) do
    local told = string.format('%d %.3f %.6f', word.waiting, word.untilMs, word.credit)
    redis.call('HSET', KEYS[2], name, told)
  end
  redis.call('PEXPIRE', KEYS[2], math.ceil(keep) + 1000)
end
if early > 0 then return { math.ceil(early), total } end
if held > 0 then return { held, total } end
local after = tat + interval
redis.call('SET', KEYS[1], string.format('%.3f', after), 'PX', math.ceil(after - now) + 1000)
return { 0, total }
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
      args.push(String(Math.max(1, demand.keepMs)), String(Math.max(0, demand.graceMs)));
    }
    const alone = () => {
      const answer = this.alone.tryTakeNow(key, ratePerSecond, burst, demand);
      return [answer.waitMs, answer.demand];
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
