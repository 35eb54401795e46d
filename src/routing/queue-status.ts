import type { Queue } from '../directory/queue.js';

/**
 * The words a waiting call carries in `queue.statusLine` (what the glasses and the dashboard
 * show): pure, from the count routing-rules.ts `expertsWhoCanTake` gave. What happens next
 * follows the routing rules: an expert who becomes available is offered it at once; nobody by
 * the end of `maxWaitSeconds` ends it `unanswered`, or keeps it as a callback (whenNobodyTakesIt).
 * Outside an `on_call` queue's hours, `onCallName` is the on-call expert it is paged to
 * (docs/routing.md, "Business hours").
 */
export function queueStatusLine(
  queue: Pick<Queue, 'name' | 'maxWaitSeconds'> & Partial<Pick<Queue, 'callbackOnUnanswered'>>,
  queuedAtMs: number,
  expertsWhoCanTake: number,
  onCallName?: string,
): string {
  const endsAt = new Date(queuedAtMs + queue.maxWaitSeconds * 1000).toISOString();
  if (onCallName !== undefined && expertsWhoCanTake > 0)
    return (
      `The queue "${queue.name}" is closed now: ${onCallName}, on call, is paged. ` +
      `If nobody has taken it by ${endsAt}, ${whenNobodyTakesIt(queue)}.`
    );
  if (expertsWhoCanTake > 0)
    return expertsWhoCanTake === 1
      ? 'Waiting for an expert: 1 expert can take it.'
      : `Waiting for an expert: ${expertsWhoCanTake} experts can take it.`;
  return (
    `Nobody can take this request now: no available expert of the queue "${queue.name}" can take it. ` +
    'It stays queued and is offered as soon as an expert who can take it becomes available; ' +
    `if nobody has taken it by ${endsAt}, ${whenNobodyTakesIt(queue)}.`
  );
}

/** What the technician is told happens at the end of the wait: unanswered, or a callback. */
export function whenNobodyTakesIt(queue: Partial<Pick<Queue, 'callbackOnUnanswered'>>): string {
  return queue.callbackOnUnanswered === true
    ? 'an expert will call you back'
    : 'it ends unanswered';
}
