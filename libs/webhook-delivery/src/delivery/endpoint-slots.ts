/**
 * Bounded concurrency per endpoint: at most `limit` attempts run for one endpoint, and at most
 * `limit` more wait behind them; beyond that the caller leaves the delivery to the due-poller.
 * A slow endpoint therefore holds only its own slots, never another endpoint's.
 */
export class EndpointSlots {
  private readonly running = new Map<string, number>();
  private readonly waiting = new Map<string, Array<() => void>>();

  constructor(private readonly limit: number) {}

  /** Whether one more attempt may be admitted for the endpoint (running or waiting). */
  canAdmit(endpointId: string): boolean {
    return this.admitted(endpointId) < this.limit * 2;
  }

  /** Endpoints that cannot admit more now. */
  saturated(): string[] {
    return [...this.running.keys()].filter((endpointId) => !this.canAdmit(endpointId));
  }

  admitted(endpointId: string): number {
    return (this.running.get(endpointId) ?? 0) + (this.waiting.get(endpointId)?.length ?? 0);
  }

  async acquire(endpointId: string): Promise<void> {
    const running = this.running.get(endpointId) ?? 0;
    if (running < this.limit) {
      this.running.set(endpointId, running + 1);
      return;
    }
    await new Promise<void>((resolve) => {
      const queue = this.waiting.get(endpointId) ?? [];
      queue.push(resolve);
      this.waiting.set(endpointId, queue);
    });
  }

  /** Hands the slot to the next waiter, or frees it. */
  release(endpointId: string): void {
    const queue = this.waiting.get(endpointId);
    const next = queue?.shift();
    if (queue && queue.length === 0) this.waiting.delete(endpointId);
    if (next) return next();
    const running = (this.running.get(endpointId) ?? 1) - 1;
    if (running > 0) this.running.set(endpointId, running);
    else this.running.delete(endpointId);
  }
}
