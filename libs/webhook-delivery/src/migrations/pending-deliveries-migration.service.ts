import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectModel, Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { DeliveryQueueService, type QueuedDelivery } from '../delivery/delivery-queue.service';
import { WebhookDelivery } from '../delivery/webhook-delivery.schema';

/** One finished data migration of this service's database (`_id` = its name). */
@Schema({ collection: 'migrations', versionKey: false })
export class Migration {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ required: true })
  completedAt!: Date;
}

export const MigrationSchema = SchemaFactory.createForClass(Migration);

export const PENDING_DELIVERIES_MIGRATION = 'pending-deliveries-into-delivery-queue';
const BATCH = 500;

/**
 * Releases before the delivery queue kept the retry schedule on the deliveries themselves, so a
 * delivery they left PENDING has no queue entry and the due-poller would never see it. Once per
 * database (a marker in `migrations` records that it ran), the first instance to start queues
 * every PENDING delivery that has no entry. It runs after start-up, in the background, reading the
 * deliveries collection this one time only; queuing is an insert-if-absent, so instances starting
 * together, or a run cut short and done again, queue nothing twice and disturb no entry in use.
 */
@Injectable()
export class PendingDeliveriesMigrationService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PendingDeliveriesMigrationService.name);
  private running: Promise<unknown> | null = null;
  private stopping = false;

  constructor(
    @InjectModel(Migration.name) private readonly migrations: Model<Migration>,
    @InjectModel(WebhookDelivery.name) private readonly deliveries: Model<WebhookDelivery>,
    private readonly queue: DeliveryQueueService,
  ) {}

  onApplicationBootstrap(): void {
    this.running = this.run().catch((error: unknown) =>
      this.logger.error(`queuing earlier pending deliveries failed (retried at the next start): ${String(error)}`),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  /** Queues the PENDING deliveries that have no queue entry; returns how many were looked at. */
  async run(): Promise<number> {
    if (await this.migrations.exists({ _id: PENDING_DELIVERIES_MIGRATION }).exec()) return 0;
    const now = new Date();
    let batch: QueuedDelivery[] = [];
    let seen = 0;
    const cursor = this.deliveries
      .find({ status: 'PENDING' }, { _id: 1, organizationId: 1, endpointId: 1, nextAttemptAt: 1 })
      .lean()
      .cursor();
    for await (const delivery of cursor) {
      if (this.stopping) return seen;
      batch.push({
        deliveryId: delivery._id,
        organizationId: delivery.organizationId,
        endpointId: delivery.endpointId,
        nextAttemptAt: delivery.nextAttemptAt ?? now,
      });
      seen += 1;
      if (batch.length === BATCH) {
        await this.queue.restore(batch, now);
        batch = [];
      }
    }
    await this.queue.restore(batch, now);
    await this.migrations
      .updateOne({ _id: PENDING_DELIVERIES_MIGRATION }, { $setOnInsert: { completedAt: new Date() } }, { upsert: true })
      .exec();
    if (seen > 0) this.logger.log(`${seen} pending deliveries of an earlier release checked into the delivery queue`);
    return seen;
  }
}
