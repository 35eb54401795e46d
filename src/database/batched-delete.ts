/** Rows per DELETE: each statement is short, so a writer waits at most one batch. */
export const DELETE_BATCH = 1_000;

/**
 * Runs `deleteBatch` (a DELETE of at most DELETE_BATCH rows) until it deletes fewer, or until
 * `stop()` says so; the total deleted. SQLite's driver is synchronous: without a turn of the
 * event loop between batches, a long prune would hold the process (and every other write).
 */
export async function deleteInBatches(
  deleteBatch: () => Promise<{ numDeletedRows: bigint }>,
  stop: () => boolean,
): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = Number((await deleteBatch()).numDeletedRows);
    total += deleted;
    if (deleted < DELETE_BATCH || stop()) return total;
    await new Promise((resolve) => setImmediate(resolve));
  }
}
