/** Small statistics for benchmark samples. */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export const median = (values) => percentile(values, 50);

/** The median of per-run figures and their spread (min-max), as the table prints them. */
export function summarize(perRun) {
  return {
    median: median(perRun),
    min: Math.min(...perRun),
    max: Math.max(...perRun),
    runs: perRun.length,
  };
}

export function fmt(summary, digits = 0, unit = '') {
  if (!summary || Number.isNaN(summary.median)) return 'n/a';
  const f = (v) => v.toFixed(digits);
  return summary.runs > 1
    ? `${f(summary.median)}${unit} (${f(summary.min)}–${f(summary.max)})`
    : `${f(summary.median)}${unit}`;
}

/**
 * A distribution-free 95 % confidence interval for the median of `values`: the order statistics
 * at ranks n/2 ∓ 0.98 √n (the binomial's normal approximation). A median of invite latencies is
 * taken from a wide spread (a join lands anywhere in a poll period), so with 100 samples its
 * interval is about ± 10 % of the period: a target near the figure needs the interval to tell.
 */
export function medianInterval(values) {
  const n = values.length;
  if (n === 0) return { low: NaN, high: NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const half = 0.98 * Math.sqrt(n);
  const at = (rank) => sorted[Math.min(n - 1, Math.max(0, Math.round(rank) - 1))];
  return { low: at(n / 2 - half), high: at(n / 2 + 1 + half) };
}
