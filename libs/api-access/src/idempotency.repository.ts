import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { isDuplicateKeyError } from '@wfp/persistence';
import { IdempotencyRecord } from './idempotency-record.schema';

export type IdempotencyStart =
  | { kind: 'started'; id: string }
  | { kind: 'replay'; statusCode: number; body: unknown }
  | { kind: 'mismatch' }
  | { kind: 'in-progress' };

/** How long a request may hold its key before another attempt may take it over. */
const LOCK_MS = 60_000;
/** Keys are remembered this long (no TTL indexes on every MongoDB-compatible store: a sweeper). */
export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;

@Injectable()
export class IdempotencyRepository implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(IdempotencyRepository.name);
  private sweeper: NodeJS.Timeout | null = null;

  constructor(@InjectModel(IdempotencyRecord.name) private readonly records: Model<IdempotencyRecord>) {}

  async begin(organizationId: string, key: string, fingerprint: string): Promise<IdempotencyStart> {
    const id = `${organizationId}:${key}`;
    const now = new Date();
    try {
      await this.records.create({
        _id: id,
        fingerprint,
        state: 'in-progress',
        lockedUntil: new Date(now.getTime() + LOCK_MS),
        createdAt: now,
      });
      return { kind: 'started', id };
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    const existing = await this.records.findById(id).lean().exec();
    if (!existing) return this.begin(organizationId, key, fingerprint); // swept in between
    if (existing.fingerprint !== fingerprint) return { kind: 'mismatch' };
    if (existing.state === 'completed')
      return { kind: 'replay', statusCode: existing.statusCode ?? 200, body: existing.body };
    if (existing.lockedUntil.getTime() > now.getTime()) return { kind: 'in-progress' };
    // The earlier attempt died holding the key: take it over, exactly one taker wins.
    const taken = await this.records
      .updateOne(
        { _id: id, state: 'in-progress', lockedUntil: existing.lockedUntil },
        { $set: { lockedUntil: new Date(now.getTime() + LOCK_MS) } },
      )
      .exec();
    return taken.modifiedCount === 1 ? { kind: 'started', id } : { kind: 'in-progress' };
  }

  async complete(id: string, statusCode: number, body: unknown): Promise<void> {
    await this.records.updateOne({ _id: id }, { $set: { state: 'completed', statusCode, body } }).exec();
  }

  /** Frees the key after a failure that a retry may not repeat (5xx): the next attempt runs again. */
  async release(id: string): Promise<void> {
    await this.records.deleteOne({ _id: id, state: 'in-progress' }).exec();
  }

  onModuleInit(): void {
    this.sweeper = setInterval(() => {
      this.records
        .deleteMany({ createdAt: { $lt: new Date(Date.now() - IDEMPOTENCY_RETENTION_MS) } })
        .exec()
        .catch((error: unknown) => this.logger.warn(`idempotency sweep failed: ${String(error)}`));
    }, 10 * 60_000);
    this.sweeper.unref();
  }

  onApplicationShutdown(): void {
    if (this.sweeper) clearInterval(this.sweeper);
  }
}
