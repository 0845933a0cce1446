interface Waiter<T> {
  items: readonly T[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

export interface GroupCommitOptions {
  /** Most items in one write (a caller's items are never split). */
  maxItems?: number;
  /**
   * How long a write waits for more callers before it starts, unless `maxItems` are there: a
   * little latency for callers that can spare it, for much larger (so far fewer) writes.
   */
  lingerMs?: number;
}

/**
 * Group commit: callers hand over items to write and wait for them to be stored. Callers arriving
 * while a write is in flight (or lingers) are written together in the next write, up to
 * `maxItems` at a time. So a burst of concurrent callers (one per message of a prefetched batch)
 * costs one store operation per write instead of one each. A failed write fails every caller in it.
 */
export class GroupCommit<T> {
  private queued: Waiter<T>[] = [];
  private queuedItems = 0;
  private writing = false;
  private readonly maxItems: number;
  private readonly lingerMs: number;

  constructor(
    private readonly write: (items: T[]) => Promise<void>,
    options: GroupCommitOptions = {},
  ) {
    this.maxItems = options.maxItems ?? 500;
    this.lingerMs = options.lingerMs ?? 0;
  }

  submit(items: readonly T[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.queued.push({ items, resolve, reject });
      this.queuedItems += items.length;
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.queued.length > 0) {
        if (this.lingerMs > 0 && this.queuedItems < this.maxItems)
          await new Promise((resolve) => setTimeout(resolve, this.lingerMs));
        const batch = this.take();
        try {
          await this.write(batch.flatMap((waiter) => waiter.items));
          for (const waiter of batch) waiter.resolve();
        } catch (error) {
          for (const waiter of batch) waiter.reject(error);
        }
      }
    } finally {
      this.writing = false;
    }
  }

  /** The next callers to write, whole, up to `maxItems` items (at least one caller). */
  private take(): Waiter<T>[] {
    let count = 0;
    let taken = 0;
    while (taken < this.queued.length && (taken === 0 || count + this.queued[taken].items.length <= this.maxItems)) {
      count += this.queued[taken].items.length;
      taken += 1;
    }
    this.queuedItems -= count;
    return this.queued.splice(0, taken);
  }
}
