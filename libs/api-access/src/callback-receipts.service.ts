import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { isDuplicateKeyError } from '@wfp/persistence';
import { DEFAULT_WEBHOOK_TOLERANCE_SECONDS } from '@wfp/webhook-signature';
import { CallbackReceipt } from './callback-receipt.schema';

/**
 * A captured signed callback stays valid until its timestamp leaves the verifier's tolerance, so
 * its webhook-id is remembered a little longer than that (clock skew on both sides); a replay
 * after that fails the timestamp check. Swept, as the store may have no TTL indexes.
 */
export const CALLBACK_RECEIPT_RETENTION_MS = 2 * DEFAULT_WEBHOOK_TOLERANCE_SECONDS * 1000;
const SWEEP_INTERVAL_MS = 60_000;

/**
 * Signed callbacks act once: the first request with a webhook-id claims it (one insert by `_id`,
 * so concurrent replays across gateway instances have one winner) and later ones are refused. A
 * callback whose work fails gives its claim back, so the sender's retry (same id) is not refused.
 */
@Injectable()
export class CallbackReceiptsService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(CallbackReceiptsService.name);
  private sweeper: NodeJS.Timeout | null = null;

  constructor(@InjectModel(CallbackReceipt.name) private readonly receipts: Model<CallbackReceipt>) {}

  /** Runs `work` unless a callback with this id was acted on already ('seen'). */
  async once<T>(sender: string, webhookId: string, work: () => Promise<T>): Promise<T | 'seen'> {
    const _id = `${sender}:${webhookId}`;
    try {
      await this.receipts.create({ _id, receivedAt: new Date() });
    } catch (error) {
      if (isDuplicateKeyError(error)) return 'seen';
      throw error;
    }
    try {
      return await work();
    } catch (error) {
      await this.receipts
        .deleteOne({ _id })
        .exec()
        .catch((releaseError: unknown) => this.logger.warn(`receipt ${_id} kept: ${String(releaseError)}`));
      throw error;
    }
  }

  onModuleInit(): void {
    this.sweeper = setInterval(() => {
      this.receipts
        .deleteMany({ receivedAt: { $lt: new Date(Date.now() - CALLBACK_RECEIPT_RETENTION_MS) } })
        .exec()
        .catch((error: unknown) => this.logger.warn(`callback receipt sweep failed: ${String(error)}`));
    }, SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  onApplicationShutdown(): void {
    if (this.sweeper) clearInterval(this.sweeper);
  }
}
