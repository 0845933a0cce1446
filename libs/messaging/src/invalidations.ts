/** Taken before a cache reads the store for a key; tells afterwards whether what it read may be kept. */
export interface LoadTicket {
  readonly key: string;
  readonly generation: number;
  readonly epoch: number;
}

/**
 * The bookkeeping a cache fed by change notices needs so that a load racing an invalidation is
 * not kept: a load that started before its key (or everything) was invalidated may have read the
 * state from before the change. Each invalidation bumps the key's generation, each invalidation
 * of everything the epoch; a load keeps its result only if both are unchanged. Keys are bounded:
 * past `maxKeys`, invalidating one key invalidates everything, which is as correct and as cheap.
 */
export class Invalidations {
  private readonly generations = new Map<string, number>();
  private epoch = 0;

  constructor(private readonly maxKeys = 10_000) {}

  ticket(key: string): LoadTicket {
    return { key, generation: this.generations.get(key) ?? 0, epoch: this.epoch };
  }

  /** Whether nothing the load could have missed was invalidated since its ticket was taken. */
  isCurrent(ticket: LoadTicket): boolean {
    return ticket.epoch === this.epoch && (this.generations.get(ticket.key) ?? 0) === ticket.generation;
  }

  /** Returns 'all' when the bound was reached and everything was invalidated instead. */
  invalidate(key: string): 'key' | 'all' {
    if (!this.generations.has(key) && this.generations.size >= this.maxKeys) {
      this.invalidateAll();
      return 'all';
    }
    this.generations.set(key, (this.generations.get(key) ?? 0) + 1);
    return 'key';
  }

  invalidateAll(): void {
    this.epoch += 1;
    this.generations.clear();
  }
}
