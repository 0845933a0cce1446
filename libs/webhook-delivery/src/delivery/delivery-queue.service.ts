import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { onlyDuplicateKeys } from './duplicate-keys';
import { DeliveryQueueEntry } from './delivery-queue-entry.schema';

/** `leaseUntil` of an entry nobody holds: any worker may take it once it is due. */
export const NO_LEASE = new Date(0);

export interface QueuedDelivery {
  deliveryId: string;
  organizationId: string;
  endpointId: string;
  nextAttemptAt: Date;
}

/**
 * The delivery queue (`webhook_delivery_queue`): one small document per PENDING delivery. Every
 * write to an entry someone may hold is conditional on the lease it was claimed with, so that a
 * worker whose lease ran out changes nothing another worker has taken since.
 */
@Injectable()
export class DeliveryQueueService {
  constructor(@InjectModel(DeliveryQueueEntry.name) private readonly entries: Model<DeliveryQueueEntry>) {}

  /** How many deliveries each of these endpoints has waiting (one aggregation over the queue). */
  async queuedFor(endpointIds: readonly string[]): Promise<Map<string, number>> {
    if (endpointIds.length === 0) return new Map();
    const groups = (await this.entries
      .aggregate([
        { $match: { endpointId: { $in: endpointIds } } },
        { $group: { _id: '$endpointId', count: { $sum: 1 } } },
      ])
      .exec()) as Array<{ _id: string; count: number }>;
    return new Map(groups.map((group) => [group._id, group.count]));
  }

  /**
   * Queues deliveries (one store command for all of them). An entry that exists already gets the
   * new time; its lease is kept unless `leaseUntil` is given (this instance starts it at once).
   */
  async enqueue(deliveries: readonly QueuedDelivery[], queuedAt: Date, leaseUntil?: Date): Promise<void> {
    await this.upsertEach(deliveries, ({ organizationId, endpointId, nextAttemptAt }) => ({
      $set: { organizationId, endpointId, nextAttemptAt, queuedAt, ...(leaseUntil ? { leaseUntil } : {}) },
      ...(leaseUntil ? {} : { $setOnInsert: { leaseUntil: NO_LEASE } }),
    }));
  }

  /** Puts back entries that are gone (removed as orphans meanwhile); existing ones are left as they are. */
  async restore(deliveries: readonly QueuedDelivery[], queuedAt: Date): Promise<void> {
    await this.upsertEach(deliveries, ({ organizationId, endpointId, nextAttemptAt }) => ({
      $setOnInsert: { organizationId, endpointId, nextAttemptAt, queuedAt, leaseUntil: NO_LEASE },
    }));
  }

  /**
   * Makes a delivery handed its turn at `handedOnAt` due now, unless it was queued since (its entry
   * is newer: it was queued for the turn, and may be waiting for a retry now) or someone holds it.
   */
  async queueHandedOnTurn(deliveryId: string, handedOnAt: Date): Promise<void> {
    const now = new Date();
    await this.entries
      .updateOne(
        { _id: deliveryId, queuedAt: { $lt: handedOnAt }, leaseUntil: { $lt: now } },
        { $set: { nextAttemptAt: now, queuedAt: now } },
      )
      .exec();
  }

  /** One unordered bulk of upserts by delivery id: one store command for all of them. */
  private async upsertEach(
    deliveries: readonly QueuedDelivery[],
    updateFor: (delivery: QueuedDelivery) => Record<string, unknown>,
  ): Promise<void> {
    if (deliveries.length === 0) return;
    await this.entries
      .bulkWrite(
        deliveries.map((delivery) => ({
          updateOne: { filter: { _id: delivery.deliveryId }, update: updateFor(delivery), upsert: true },
        })),
        { ordered: false },
      )
      // Two upserts of one new entry at once: the other one made it.
      .catch(onlyDuplicateKeys);
  }

  /**
   * Takes the lease of one due entry whose endpoint is not among `excluded` (endpoints this
   * instance cannot start more attempts for); null when none is due. The filter scans this
   * collection, which holds only the deliveries still to be tried.
   */
  async claimDue(now: Date, leaseUntil: Date, excluded: readonly string[]): Promise<DeliveryQueueEntry | null> {
    return (await this.entries
      .findOneAndUpdate(
        {
          nextAttemptAt: { $lte: now },
          leaseUntil: { $lt: now },
          ...(excluded.length > 0 ? { endpointId: { $nin: excluded } } : {}),
        },
        { $set: { leaseUntil } },
        { returnDocument: 'after' },
      )
      .lean()
      .exec()) as DeliveryQueueEntry | null;
  }

  /** The next attempt's time, and the lease given back. */
  async reschedule(held: DeliveryQueueEntry, nextAttemptAt: Date): Promise<void> {
    await this.entries
      .updateOne({ _id: held._id, leaseUntil: held.leaseUntil }, { $set: { nextAttemptAt, leaseUntil: NO_LEASE } })
      .exec();
  }

  /** The delivery is done (or gone): its entry goes. */
  async remove(held: DeliveryQueueEntry): Promise<void> {
    await this.entries.deleteOne({ _id: held._id, leaseUntil: held.leaseUntil }).exec();
  }

  async removeEndpoint(endpointId: string): Promise<void> {
    await this.entries.deleteMany({ endpointId }).exec();
  }
}
