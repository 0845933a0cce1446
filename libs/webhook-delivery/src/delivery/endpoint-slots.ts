interface Waiter {
  grant: () => void;
  timer: NodeJS.Timeout;
}

/**
 * Bounded concurrency per endpoint: at most `limit` attempts run for one endpoint at a time. More
 * wait behind them in memory, in order, but each for `maxWaitMs` at most: a fast endpoint under a
 * burst is fed from memory (its deliveries cost no store round trip), while a waiter for a slow
 * one gives up after the bound and the caller leaves its delivery to the due-poller. So a slow
 * endpoint cannot hold message handlers for long, and holds only its own slots, never another's.
 */
export class EndpointSlots {
  private readonly running = new Map<string, number>();
  private readonly waiting = new Map<string, Waiter[]>();

  constructor(private readonly limit: number) {}

  /** Endpoints whose slots are all taken. */
  saturated(): string[] {
    return [...this.running.entries()].filter(([, running]) => running >= this.limit).map(([endpointId]) => endpointId);
  }

  admitted(endpointId: string): number {
    return (this.running.get(endpointId) ?? 0) + (this.waiting.get(endpointId)?.length ?? 0);
  }

  /** Takes a slot, waiting up to `maxWaitMs` for one; false when none came free in time. */
  acquire(endpointId: string, maxWaitMs: number): Promise<boolean> {
    const running = this.running.get(endpointId) ?? 0;
    if (running < this.limit) {
      this.running.set(endpointId, running + 1);
      return Promise.resolve(true);
    }
    return new Promise<boolean>((resolve) => {
      const queue = this.waiting.get(endpointId) ?? [];
      const waiter: Waiter = {
        grant: () => {
          clearTimeout(waiter.timer);
          resolve(true);
        },
        timer: setTimeout(() => {
          this.leave(endpointId, waiter);
          resolve(false);
        }, maxWaitMs),
      };
      queue.push(waiter);
      this.waiting.set(endpointId, queue);
    });
  }

  /** Hands the slot to the next waiter, or frees it. */
  release(endpointId: string): void {
    const queue = this.waiting.get(endpointId);
    const next = queue?.shift();
    if (queue && queue.length === 0) this.waiting.delete(endpointId);
    if (next) return next.grant();
    const running = (this.running.get(endpointId) ?? 1) - 1;
    if (running > 0) this.running.set(endpointId, running);
    else this.running.delete(endpointId);
  }

  private leave(endpointId: string, waiter: Waiter): void {
    const queue = this.waiting.get(endpointId);
    if (!queue) return;
    const index = queue.indexOf(waiter);
    if (index >= 0) queue.splice(index, 1);
    if (queue.length === 0) this.waiting.delete(endpointId);
  }
}
