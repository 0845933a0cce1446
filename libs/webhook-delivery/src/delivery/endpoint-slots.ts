/** Weight of the newest attempt in an endpoint's average attempt time. */
const DURATION_WEIGHT = 0.2;

/**
 * Bounded concurrency per endpoint: at most `limit` attempts run for one endpoint at a time, and
 * more wait behind them in memory only while the expected wait is short: (attempts ahead ÷
 * `limit`) × the endpoint's average attempt time must stay within `maxWaitMs`. A fast endpoint
 * under a burst is therefore fed from memory (its deliveries cost no store round trip), while a
 * slow one cannot hold a message handler for long: beyond the bound the caller leaves the
 * delivery to the due-poller, so a slow endpoint holds only its own slots, never another's.
 */
export class EndpointSlots {
  private readonly running = new Map<string, number>();
  private readonly waiting = new Map<string, Array<() => void>>();
  /** Average attempt time per endpoint (moving average), once one attempt has finished. */
  private readonly averageMs = new Map<string, number>();

  constructor(
    private readonly limit: number,
    private readonly maxWaitMs: number,
  ) {}

  /** Whether one more attempt may be admitted for the endpoint (run now, or wait briefly). */
  canAdmit(endpointId: string): boolean {
    const admitted = this.admitted(endpointId);
    if (admitted < this.limit) return true;
    // Until an attempt has finished nothing is known: let one more round of `limit` wait.
    const average = this.averageMs.get(endpointId);
    if (average === undefined) return admitted < this.limit * 2;
    const roundsAhead = Math.floor(admitted / this.limit);
    return roundsAhead * average <= this.maxWaitMs;
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

  /** Hands the slot to the next waiter, or frees it; `durationMs` is how long the attempt took. */
  release(endpointId: string, durationMs?: number): void {
    if (durationMs !== undefined) {
      const average = this.averageMs.get(endpointId);
      this.averageMs.set(
        endpointId,
        average === undefined ? durationMs : average + DURATION_WEIGHT * (durationMs - average),
      );
    }
    const queue = this.waiting.get(endpointId);
    const next = queue?.shift();
    if (queue && queue.length === 0) this.waiting.delete(endpointId);
    if (next) return next();
    const running = (this.running.get(endpointId) ?? 1) - 1;
    if (running > 0) this.running.set(endpointId, running);
    else this.running.delete(endpointId);
  }

  /** Drops what is known of a deleted endpoint. */
  forget(endpointId: string): void {
    if (this.admitted(endpointId) === 0) this.averageMs.delete(endpointId);
  }
}
