interface Waiter<T> {
  items: readonly T[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: callers hand over items to write and wait for them to be stored. The first caller
 * writes at once; callers arriving while a write is in flight are written together in the next
 * write, up to `maxItems` at a time. So a lone caller waits no longer than its own write, and a
 * burst of concurrent callers (one per message of a prefetched batch) costs one store operation
 * per write instead of one each. A failed write fails every caller in it.
 */
export class GroupCommit<T> {
  private queued: Waiter<T>[] = [];
  private writing = false;

  constructor(
    private readonly write: (items: T[]) => Promise<void>,
    private readonly maxItems = 500,
  ) {}

  submit(items: readonly T[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.queued.push({ items, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.queued.length > 0) {
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
    return this.queued.splice(0, taken);
  }
}
