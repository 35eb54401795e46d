import type { QueuedRequest } from './routing.model.js';
import { estimatedWaitSeconds, median, orderRequests, queuePositions } from './queue-order.js';

const request = (
  callId: string,
  queueId: string,
  second: number,
  priority: QueuedRequest['priority'] = 'normal',
): QueuedRequest => ({
  callId,
  queueId,
  priority,
  queuedAt: new Date(Date.UTC(2026, 10, 23, 12, 0, second)).toISOString(),
  requesters: ['tom'],
});

describe('queue order', () => {
  it('puts urgent ahead of every normal request, then first come first served', () => {
    const requests = [
      request('n1', 'pumps', 1),
      request('u2', 'pumps', 9, 'urgent'),
      request('n0', 'pumps', 0),
      request('u1', 'pumps', 5, 'urgent'),
    ];
    expect(orderRequests(requests).map((r) => r.callId)).toEqual(['u1', 'u2', 'n0', 'n1']);
  });

  it('breaks an exact tie by call id so every instance agrees', () => {
    const requests = [request('b', 'pumps', 0), request('a', 'pumps', 0)];
    expect(orderRequests(requests).map((r) => r.callId)).toEqual(['a', 'b']);
  });

  it('numbers positions from 1 within each queue', () => {
    const positions = queuePositions([
      request('p2', 'pumps', 2),
      request('v1', 'valves', 1),
      request('p1', 'pumps', 1),
      request('pu', 'pumps', 3, 'urgent'),
    ]);
    expect(Object.fromEntries(positions)).toEqual({ pu: 1, p1: 2, p2: 3, v1: 1 });
  });
});

describe('estimatedWaitSeconds', () => {
  it('is null without history', () => {
    expect(estimatedWaitSeconds(1, [], 3)).toBeNull();
  });

  it('is position x median time-to-accept / max(1, available experts), rounded up', () => {
    expect(estimatedWaitSeconds(3, [10, 40, 20], 2)).toBe(30); // 3 x 20 / 2
    expect(estimatedWaitSeconds(1, [10, 20], 0)).toBe(15); // nobody available counts as one
    expect(estimatedWaitSeconds(1, [10], 3)).toBe(4); // 3.33 rounded up
  });

  it('median of an even count is the mean of the middle two', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });
});
