import type { OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';

/** What ThrottlerGuard reads back from a storage after each hit. */
export interface HitRecord {
  totalHits: number;
  /** Seconds until the oldest hit in the window leaves it (X-RateLimit-Reset). */
  timeToExpire: number;
  isBlocked: boolean;
  /** Seconds until a blocked caller may try again (Retry-After). */
  timeToBlockExpire: number;
}

/** The hits of one key in one throttler: their expiry times in the order they were made. */
interface HitWindow {
  expiries: number[];
  /** Index of the oldest hit still in the window: expired hits before it are dropped in bulk. */
  head: number;
  blockedUntil: number;
}

/** Dropped hits are compacted away once they are this many and at least half of the array. */
const COMPACT_AFTER = 1024;

/**
 * In-memory ThrottlerStorage with the semantics of @nestjs/throttler's own (a sliding window of
 * hits; over the limit, the key is blocked for `blockDuration`, then starts afresh) at a constant
 * cost per request. The library's storage copies the key's whole hit list on every request and
 * spreads it into `Math.min`: at 200 requests/s with a 60 s window that is a new 12,000-element
 * array per request, which filled the gateway's old generation and made its GC pauses its p99.
 * Hits are appended in time order (one ttl per throttler), so expired ones are always at the front.
 */
export class HitWindowStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly windows = new Map<string, HitWindow>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    sweepIntervalMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {
    // Keys that stopped calling would otherwise keep their window forever.
    this.sweeper = setInterval(() => this.sweep(), sweepIntervalMs);
    this.sweeper.unref();
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<HitRecord> {
    const now = this.now();
    const id = `${throttlerName}\u0000${key}`;
    let window = this.windows.get(id);
    if (!window) {
      window = { expiries: [], head: 0, blockedUntil: 0 };
      this.windows.set(id, window);
    }
    if (window.blockedUntil > now) return this.record(window, now, true);
    if (window.blockedUntil > 0) {
      // The block has run out: the key starts with an empty window, as in the library.
      window.blockedUntil = 0;
      window.expiries.length = 0;
      window.head = 0;
    }
    this.dropExpired(window, now);
    if (blockDuration <= 0 && this.count(window) >= limit) {
      // Without a block the request is refused until the oldest hit leaves the window.
      return {
        ...this.record(window, now, true),
        timeToBlockExpire: this.secondsUntil(window.expiries[window.head], now),
      };
    }
    window.expiries.push(now + ttl);
    if (blockDuration > 0 && this.count(window) > limit) {
      window.blockedUntil = now + blockDuration;
      return this.record(window, now, true);
    }
    return this.record(window, now, false);
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
    this.windows.clear();
  }

  /** Windows held in memory (for tests). */
  get size(): number {
    return this.windows.size;
  }

  /** Forgets keys that are neither blocked nor have a hit left in their window. */
  sweep(): void {
    const now = this.now();
    for (const [id, window] of this.windows) {
      this.dropExpired(window, now);
      if (window.blockedUntil <= now && this.count(window) === 0) this.windows.delete(id);
    }
  }

  private dropExpired(window: HitWindow, now: number): void {
    const { expiries } = window;
    while (window.head < expiries.length && expiries[window.head] <= now) window.head += 1;
    if (window.head >= COMPACT_AFTER && window.head * 2 >= expiries.length) {
      expiries.copyWithin(0, window.head);
      expiries.length -= window.head;
      window.head = 0;
    }
  }

  private count(window: HitWindow): number {
    return window.expiries.length - window.head;
  }

  private record(window: HitWindow, now: number, isBlocked: boolean): HitRecord {
    const oldest = window.expiries[window.head];
    return {
      totalHits: this.count(window),
      timeToExpire: oldest === undefined ? 0 : this.secondsUntil(oldest, now),
      isBlocked,
      timeToBlockExpire: isBlocked && window.blockedUntil > now ? this.secondsUntil(window.blockedUntil, now) : 0,
    };
  }

  private secondsUntil(at: number, now: number): number {
    return Math.max(0, Math.ceil((at - now) / 1000));
  }
}
