/** The most instants in any half-open window [t, t + windowMs): what a rate limit must bound. */
export function busiestWindow(instants: number[], windowMs: number): number {
  const sorted = [...instants].sort((a, b) => a - b);
  let most = 0;
  for (let first = 0, last = 0; first < sorted.length; first++) {
    while (last < sorted.length && sorted[last] < sorted[first] + windowMs) last++;
    most = Math.max(most, last - first);
  }
  return most;
}
