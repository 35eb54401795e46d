import type { QueuedRequest } from './routing.model.js';

/** Urgent ahead of normal, then first come first served (call id breaks exact ties). */
export function compareRequests(a: QueuedRequest, b: QueuedRequest): number {
  if (a.priority !== b.priority) return a.priority === 'urgent' ? -1 : 1;
  const byTime = Date.parse(a.queuedAt) - Date.parse(b.queuedAt);
  if (byTime !== 0) return byTime;
  return a.callId < b.callId ? -1 : a.callId > b.callId ? 1 : 0;
}

export function orderRequests(requests: readonly QueuedRequest[]): QueuedRequest[] {
  return [...requests].sort(compareRequests);
}

/** Each waiting call's place in its own queue, from 1. */
export function queuePositions(requests: readonly QueuedRequest[]): Map<string, number> {
  const seenPerQueue = new Map<string, number>();
  const positions = new Map<string, number>();
  for (const request of orderRequests(requests)) {
    const position = (seenPerQueue.get(request.queueId) ?? 0) + 1;
    seenPerQueue.set(request.queueId, position);
    positions.set(request.callId, position);
  }
  return positions;
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * position x the queue's recent median time-to-accept / max(1, available experts), in whole
 * seconds (rounded up: a promise of "0 s" while still waiting reads as a lie); null without
 * history.
 */
export function estimatedWaitSeconds(
  position: number,
  recentSecondsToAccept: readonly number[],
  availableExperts: number,
): number | null {
  const typical = median(recentSecondsToAccept);
  if (typical === null) return null;
  return Math.ceil((position * typical) / Math.max(1, availableExperts));
}
