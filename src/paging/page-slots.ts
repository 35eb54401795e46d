/** How many pages one caller may have sent to one channel in any window of `windowMs`. */
export interface PageBudget {
  limit: number;
  windowMs: number;
}

/**
 * When each of `count` new pages of one caller to one channel may go (ms since the epoch), given
 * when that caller's earlier pages there were due (`scheduled`, any order): at once while the
 * window has room, else as soon as the oldest page of the last `limit` leaves it. So no window of
 * `windowMs` ever holds more than `limit` of them; a page over the limit waits, it is never lost.
 */
export function pageSlots(
  scheduled: readonly number[],
  count: number,
  nowMs: number,
  budget: PageBudget,
): number[] {
  const latestFirst = [...scheduled].sort((a, b) => b - a);
  const slots: number[] = [];
  for (let i = 0; i < count; i++) {
    const nth = latestFirst[budget.limit - 1];
    const slot = nth === undefined ? nowMs : Math.max(nowMs, nth + budget.windowMs);
    slots.push(slot);
    latestFirst.unshift(slot);
    latestFirst.sort((a, b) => b - a);
  }
  return slots;
}
