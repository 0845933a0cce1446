/**
 * When a failed delivery is tried again (DESIGN.md section 7). Pure: the caller passes the
 * randomness, so the schedule is testable and deterministic under test.
 */

/** immediately, 5s, 5m, 30m, 2h, 5h, 10h, 14h, 20h, 24h: one entry per attempt. */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [
  0,
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  14 * 3_600_000,
  20 * 3_600_000,
  24 * 3_600_000,
];

/** Each delay is spread by up to this fraction either way, so failed deliveries do not retry in lockstep. */
export const DEFAULT_RETRY_JITTER = 0.2;

export interface NextAttemptInput {
  /** Attempts made in the current round, the failed one included (1 after the first attempt). */
  attemptsMade: number;
  /** Delay before each attempt; entry 0 is the first attempt's (normally 0). */
  scheduleMs: readonly number[];
  /** Milliseconds the receiver asked us to wait (Retry-After), if it did. */
  retryAfterMs?: number | null;
  jitter?: number;
  /** A number in [0, 1). */
  random: number;
}

/** Milliseconds until the next attempt, or null when the schedule is spent. */
export function nextAttemptDelay({
  attemptsMade,
  scheduleMs,
  retryAfterMs,
  jitter = DEFAULT_RETRY_JITTER,
  random,
}: NextAttemptInput): number | null {
  if (attemptsMade >= scheduleMs.length) return null;
  const base = scheduleMs[attemptsMade];
  const spread = Math.round(base * jitter * (2 * random - 1));
  const delay = Math.max(0, base + spread);
  if (retryAfterMs == null || retryAfterMs <= delay) return delay;
  // A receiver may not stall its deliveries beyond the longest step of the schedule.
  return Math.min(retryAfterMs, Math.max(...scheduleMs));
}

/**
 * Reads a Retry-After header: delta seconds, or an HTTP date. Returns milliseconds from `now`,
 * or null when absent or unreadable.
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | null {
  const header = Array.isArray(value) ? value[0] : value;
  if (!header) return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP date names its weekday and month; this also keeps Date.parse from reading "-5" as a year.
  const date = /[a-z]{3}/i.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now);
}
