import { DEFAULT_RETRY_SCHEDULE_MS, nextAttemptDelay, parseRetryAfter } from './retry-schedule';

describe('nextAttemptDelay', () => {
  const schedule = [0, 1000, 10_000];

  it('follows the schedule, one step per attempt made, then reports it spent', () => {
    expect(nextAttemptDelay({ attemptsMade: 1, scheduleMs: schedule, random: 0.5 })).toBe(1000);
    expect(nextAttemptDelay({ attemptsMade: 2, scheduleMs: schedule, random: 0.5 })).toBe(10_000);
    expect(nextAttemptDelay({ attemptsMade: 3, scheduleMs: schedule, random: 0.5 })).toBeNull();
  });

  it('spreads each delay by the jitter fraction either way', () => {
    expect(nextAttemptDelay({ attemptsMade: 2, scheduleMs: schedule, random: 0, jitter: 0.2 })).toBe(8000);
    expect(nextAttemptDelay({ attemptsMade: 2, scheduleMs: schedule, random: 0.999999, jitter: 0.2 })).toBe(12_000);
    expect(nextAttemptDelay({ attemptsMade: 2, scheduleMs: schedule, random: 0.3, jitter: 0 })).toBe(10_000);
  });

  it('waits at least as long as Retry-After asks, capped at the longest step', () => {
    expect(nextAttemptDelay({ attemptsMade: 1, scheduleMs: schedule, random: 0.5, retryAfterMs: 4000 })).toBe(4000);
    expect(nextAttemptDelay({ attemptsMade: 1, scheduleMs: schedule, random: 0.5, retryAfterMs: 500 })).toBe(1000);
    expect(nextAttemptDelay({ attemptsMade: 1, scheduleMs: schedule, random: 0.5, retryAfterMs: 3_600_000 })).toBe(
      10_000,
    );
  });

  it('does not retry past the schedule even when Retry-After is given', () => {
    expect(nextAttemptDelay({ attemptsMade: 3, scheduleMs: schedule, random: 0.5, retryAfterMs: 1 })).toBeNull();
  });

  it('has the documented default: ten attempts over about three days', () => {
    expect(DEFAULT_RETRY_SCHEDULE_MS).toHaveLength(10);
    expect(DEFAULT_RETRY_SCHEDULE_MS[0]).toBe(0);
    expect(DEFAULT_RETRY_SCHEDULE_MS.reduce((a, b) => a + b, 0) / 3_600_000).toBeCloseTo(75.59, 1);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-22T10:00:00Z');

  it('reads delta seconds and HTTP dates', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(['7'], now)).toBe(7000);
    expect(parseRetryAfter('Sun, 22 Nov 2026 10:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Sun, 22 Nov 2026 09:00:00 GMT', now)).toBe(0);
  });

  it('ignores absent or unreadable values', () => {
    expect(parseRetryAfter(undefined, now)).toBeNull();
    expect(parseRetryAfter('', now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('-5', now)).toBeNull();
  });
});
