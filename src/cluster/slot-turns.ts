/**
 * Whose turn a shared key's next free slot is, when several instances want its slots (the
 * xAssist request budget on Redis). Plain data and arithmetic: the Redis script in
 * shared-rate-limiter.ts is this, step for step, and MemoryRateLimiter runs this.
 *
 * Why turns: first come, first served makes every slot a race that the instance whose timer fires
 * first wins, so one instance can take six slots in a row while the other's calls wait, and their
 * polls' gaps stretch (the two-instance tail in docs/benchmarks.md › Invite latency). With turns
 * the slots go to the instances in proportion to what each has waiting (deficit round robin on
 * their told demand, each with work getting at least MIN_SHARE). A turn is held only `graceMs` after its slot became free: an instance late
 * to ask (a busy event loop) loses its turn to one that is there, so no slot is wasted waiting.
 */

/** One instance's word on a key: what it had waiting, until when its word holds, its credit. */
export interface Word {
  waiting: number;
  until: number;
  credit: number;
}

export interface Turns {
  words: Map<string, Word>;
  /** The instance whose turn the next free slot is. */
  turn?: string;
}

/** Credits stay within this, so instances coming and going never bank a long run of slots. */
export const MOST_CREDIT = 2;

/** Records `instance`'s word, forgets lapsed ones, and answers the total waiting. */
export function tellDemand(
  turns: Turns,
  instance: string,
  waiting: number,
  until: number,
  now: number,
): number {
  const credit = turns.words.get(instance)?.credit ?? 0;
  turns.words.set(instance, { waiting, until, credit });
  let total = 0;
  for (const [name, word] of turns.words)
    if (word.until > now) total += word.waiting;
    else turns.words.delete(name);
  return total;
}

/**
 * How many ms more the free slot is held for another instance's turn: 0 when `instance` may take
 * it (its turn, no turn, the turn-holder has nothing waiting or went quiet, or the slot has been
 * free for `graceMs` since `freeSince`).
 */
export function heldForOther(
  turns: Turns,
  instance: string,
  now: number,
  freeSince: number,
  graceMs: number,
): number {
  const holder = turns.turn === undefined ? undefined : turns.words.get(turns.turn);
  if (turns.turn === instance || holder === undefined || holder.waiting <= 0) return 0;
  return Math.max(0, Math.ceil(graceMs - (now - freeSince)));
}

/**
 * An instance with work gets at least this share of the slots, however little it has waiting
 * against the others: one lone request (a create a technician waits on) is not held back behind
 * a long backlog elsewhere for more than about 1 / MIN_SHARE slots.
 */
export const MIN_SHARE = 1 / 8;

/**
 * `instance` took the slot: every instance with work earns its share of a slot (its waiting over
 * the total, at least MIN_SHARE, the shares then scaled to sum to one), the taker pays one, its
 * waiting drops by the one sent, and the turn passes to the most in credit of those still waiting
 * (the taker last among equals).
 */
export function tookSlot(turns: Turns, instance: string): void {
  let total = 0;
  for (const word of turns.words.values()) total += word.waiting;
  const shareOf = (word: Word) =>
    word.waiting > 0 ? Math.max(MIN_SHARE, word.waiting / total) : 0;
  let shares = 0;
  for (const word of turns.words.values()) shares += shareOf(word);
  for (const [name, word] of turns.words) {
    word.credit += shareOf(word) / shares;
    if (name === instance) {
      word.credit -= 1;
      word.waiting = Math.max(0, word.waiting - 1);
    }
    word.credit = Math.max(-MOST_CREDIT, Math.min(MOST_CREDIT, word.credit));
  }
  let next: string | undefined;
  let best = -Infinity;
  for (const [name, word] of turns.words) {
    if (word.waiting <= 0) continue;
    const credit = name === instance ? word.credit - 1e-9 : word.credit;
    if (credit > best) [next, best] = [name, credit];
  }
  turns.turn = next;
}
