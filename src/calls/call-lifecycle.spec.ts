import { describe, expect, it } from '@jest/globals';
import {
  ACTIVE_STATUSES,
  canTransition,
  FOLLOWED_STATUSES,
  isCancellable,
  isEnded,
} from './call-lifecycle.js';

describe('the call lifecycle: callbacks', () => {
  it('a queued request becomes a callback instead of ending unanswered', () => {
    expect(canTransition('queued', 'callback_pending')).toBe(true);
    expect(canTransition('queued', 'unanswered')).toBe(true);
  });

  it('a new request its queue cannot take now may become a callback at once', () => {
    expect(canTransition('creating', 'callback_pending')).toBe(true);
  });

  it('a callback is taken, withdrawn or expires; nothing else', () => {
    expect(
      ['creating', 'cancelled', 'unanswered'].every((to) =>
        canTransition('callback_pending', to as never),
      ),
    ).toBe(true);
    for (const to of [
      'queued',
      'ringing',
      'expert_joined',
      'connected',
      'ended',
      'failed',
      'missed',
    ] as const)
      expect(canTransition('callback_pending', to)).toBe(false);
  });

  it('is active, cancellable by the technician, and not followed on xAssist', () => {
    expect(ACTIVE_STATUSES).toContain('callback_pending');
    expect(isEnded('callback_pending')).toBe(false);
    expect(isCancellable('callback_pending')).toBe(true);
    expect(FOLLOWED_STATUSES).not.toContain('callback_pending');
  });
});
