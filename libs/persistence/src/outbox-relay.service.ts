import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Collection } from 'mongodb';
import type { Model } from 'mongoose';
import type { MessageEnvelope } from '@wfp/contracts';
import { MessagePublisherService, PublishPendingError } from '@wfp/messaging';
import { carriedOutbox, ownEntries, type OutboxDocument, type OutboxEntry } from './outbox';

export interface OutboxRelayOptions {
  /** How often to look for documents whose outbox was not emptied (a crash between write and publish). */
  sweepIntervalMs: number;
  /** Only documents untouched for this long are swept, so the sweeper does not race the inline relay. */
  sweepAfterMs: number;
}

/** How many published entry ids a process remembers, so that a later write can drop them. */
const REMEMBERED_ENTRIES = 50_000;

/**
 * Publishes outbox entries with broker confirms, in order. Two ways, by who wrote them:
 *
 * - A message handler publishes what its write just stored, from memory (`publish`), before it
 *   acknowledges the message; nothing is read back and nothing is written to clear them. The
 *   document's next write drops the entries this process published (`carry`). If the process
 *   stops in between, the broker delivers the message again and the repeated handler publishes
 *   its stored entries again (`republishOwn`): no poller has to look for them.
 * - A write with no message behind it (an API request) uses `relay`: read back, publish, then
 *   remove exactly those entries; a sweeper over the `watch`ed collections (small ones only:
 *   it filters on fields other than `_id`) republishes what a crash left behind.
 *
 * Either way a duplicate carries the same message id, which consumers dedupe on.
 */
@Injectable()
export class OutboxRelayService implements OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelayService.name);
  private readonly models = new Map<string, Model<any>>(); // eslint-disable-line @typescript-eslint/no-explicit-any
  private readonly running = new Map<string, Promise<void>>();
  private sweepTimer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;
  private options: OutboxRelayOptions = { sweepIntervalMs: 10_000, sweepAfterMs: 5000 };
  /** Ids of entries this process published (insertion-ordered, oldest dropped first). */
  private readonly published = new Set<string>();
  /** Ids of entries being published by this process now. */
  private readonly inFlight = new Set<string>();

  constructor(private readonly publisher: MessagePublisherService) {}

  /**
   * Publishes entries a write has just stored, in order on one confirm channel, and resolves once
   * the broker confirmed them all; otherwise throws PublishPendingError, so the caller's message is
   * tried again (and the repeat publishes what is still unconfirmed).
   */
  async publish(entries: readonly OutboxEntry[]): Promise<void> {
    for (const entry of entries) this.inFlight.add(entry.id);
    const results = await Promise.allSettled(
      entries.map((entry) => this.publisher.publish(entry.kind, JSON.parse(entry.body) as MessageEnvelope)),
    );
    entries.forEach((entry, index) => {
      this.inFlight.delete(entry.id);
      if (results[index].status === 'fulfilled') this.remember(entry.id);
    });
    const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failure) throw new PublishPendingError(failure.reason);
  }

  /**
   * The operation `cause` is being repeated: publish again the entries it stored, except those this
   * process already saw confirmed or is publishing now (after a restart that is all of them:
   * duplicates keep their ids).
   */
  async republishOwn(stored: readonly OutboxEntry[] | undefined, cause: string): Promise<void> {
    // Entries this process is publishing right now (a concurrent repeat) are left to that publish.
    const own = ownEntries(stored, cause).filter(
      (entry) => !this.published.has(entry.id) && !this.inFlight.has(entry.id),
    );
    if (own.length > 0) await this.publish(own);
  }

  /** The outbox a document's next write stores: what may still be unpublished, then `added`. */
  carry(stored: readonly OutboxEntry[] | undefined, added: readonly OutboxEntry[]): OutboxEntry[] {
    return carriedOutbox(stored, added, (id) => this.published.has(id));
  }

  private remember(entryId: string): void {
    this.published.add(entryId);
    if (this.published.size > REMEMBERED_ENTRIES) {
      const oldest = this.published.values().next().value;
      if (oldest !== undefined) this.published.delete(oldest);
    }
  }

  /** Registers a model whose documents carry an `outbox`, and starts the sweeper. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  watch(model: Model<any>, options?: Partial<OutboxRelayOptions>): void {
    this.models.set(model.collection.collectionName, model);
    this.options = { ...this.options, ...options };
    if (!this.sweepTimer) {
      this.sweepTimer = setInterval(() => {
        if (!this.sweeping) this.sweeping = this.sweep().finally(() => (this.sweeping = null));
      }, this.options.sweepIntervalMs);
      this.sweepTimer.unref();
    }
  }

  /**
   * Publishes what the document's outbox holds. Errors are logged, not thrown: the write that
   * queued the messages already succeeded and the sweeper will publish them later.
   */
  async relay(collectionName: string, id: string): Promise<void> {
    const key = `${collectionName}:${id}`;
    // Serialize relays of one document within this process so its messages keep their order.
    const previous = this.running.get(key) ?? Promise.resolve();
    const next = previous
      .then(() => this.publishPending(collectionName, id))
      .catch((error: unknown) => {
        this.logger.warn(`outbox of ${key} not published yet (the sweeper retries): ${String(error)}`);
      });
    this.running.set(key, next);
    await next;
    if (this.running.get(key) === next) this.running.delete(key);
  }

  private async publishPending(collectionName: string, id: string): Promise<void> {
    const collection = this.nativeCollection(collectionName);
    const document = await collection.findOne({ _id: id }, { projection: { outbox: 1 } });
    const entries: OutboxEntry[] = document?.outbox ?? [];
    if (entries.length === 0) return;
    // Sent in order on one confirm channel and confirmed together: order is kept, and only what
    // the broker confirmed is removed (the rest is sent again later, with the same ids).
    const results = await Promise.allSettled(
      entries.map((entry) => this.publisher.publish(entry.kind, JSON.parse(entry.body) as MessageEnvelope)),
    );
    const published = entries.filter((_, index) => results[index].status === 'fulfilled');
    const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    try {
      if (failure) throw failure.reason;
    } finally {
      for (const entry of published) this.remember(entry.id);
      if (published.length > 0) {
        const removed = await collection.updateOne({ _id: id }, { $pullAll: { outbox: published } } as never);
        if (removed.modifiedCount !== 1) {
          this.logger.warn(
            `outbox of ${collectionName}:${id}: published entries were not removed (they will be sent again)`,
          );
        }
      }
    }
  }

  private async sweep(): Promise<void> {
    const cutoff = new Date(Date.now() - this.options.sweepAfterMs);
    for (const name of this.models.keys()) {
      try {
        const collection = this.nativeCollection(name);
        const stale = await collection
          .find({ 'outbox.0': { $exists: true }, updatedAt: { $lt: cutoff } } as never, { projection: { _id: 1 } })
          .limit(100)
          .toArray();
        for (const document of stale) await this.relay(name, document._id);
      } catch (error) {
        this.logger.warn(`outbox sweep of ${name} failed: ${String(error)}`);
      }
    }
  }

  /** The driver's collection: outbox entries must round-trip exactly, without Mongoose casting. */
  private nativeCollection(name: string): Collection<OutboxDocument> {
    const model = this.models.get(name);
    if (!model) throw new Error(`collection ${name} is not registered with the outbox relay`);
    const db = model.db.db;
    if (!db) throw new Error('the database connection is not open');
    return db.collection<OutboxDocument>(name);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
    await this.sweeping;
    await Promise.allSettled([...this.running.values()]);
  }
}
