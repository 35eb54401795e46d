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
