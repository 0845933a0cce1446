import { Module, type DynamicModule } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { DELIVERY_OPTIONS, type DeliveryOptions } from './delivery-options';
import { DeadLetterNotices } from './delivery/dead-letter-notices';
import { DeliveryMetrics } from './delivery/delivery-metrics';
import { DeliveryQueue } from './delivery/delivery-queue';
import { DeliveryQueueEntry, DeliveryQueueEntrySchema } from './delivery/delivery-queue-entry.schema';
import { DeliverySender } from './delivery/delivery-sender';
import { DeliveryWorker } from './delivery/delivery-worker.service';
import { EndpointCircuitBreakers } from './delivery/endpoint-circuit-breakers';
import { WebhookDeliveriesService } from './delivery/webhook-deliveries.service';
import { WebhookDelivery, WebhookDeliverySchema } from './delivery/webhook-delivery.schema';
import { EndpointCache } from './endpoints/endpoint-cache';
import { EndpointChangeNotices } from './endpoints/endpoint-change-notices';
import { WebhookEndpoint, WebhookEndpointSchema } from './endpoints/webhook-endpoint.schema';
import { WebhookEndpointsService } from './endpoints/webhook-endpoints.service';
import { EventIntakeService } from './event-intake.service';
import { Migration, MigrationSchema, PendingDeliveriesMigration } from './migrations/pending-deliveries-migration';

/** The dispatcher's work: endpoints (cached), event intake with delivery at once, retries from the delivery queue. */
@Module({})
export class WebhookDeliveryModule {
  static register(options: DeliveryOptions): DynamicModule {
    return {
      module: WebhookDeliveryModule,
      imports: [
        MongooseModule.forFeature([
          { name: WebhookEndpoint.name, schema: WebhookEndpointSchema },
          { name: WebhookDelivery.name, schema: WebhookDeliverySchema },
          { name: DeliveryQueueEntry.name, schema: DeliveryQueueEntrySchema },
          { name: Migration.name, schema: MigrationSchema },
        ]),
      ],
      providers: [
        { provide: DELIVERY_OPTIONS, useValue: options },
        EndpointCache,
        EndpointChangeNotices,
        EventIntakeService,
        WebhookEndpointsService,
        WebhookDeliveriesService,
        DeliveryQueue,
        DeliveryWorker,
        DeliverySender,
        DeadLetterNotices,
        EndpointCircuitBreakers,
        DeliveryMetrics,
        PendingDeliveriesMigration,
      ],
      exports: [
        EventIntakeService,
        WebhookEndpointsService,
        WebhookDeliveriesService,
        EndpointCircuitBreakers,
        EndpointCache,
        DeliveryQueue,
      ],
    };
  }
}
