import { Module, type DynamicModule } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { DELIVERY_OPTIONS, type DeliveryOptions } from './delivery-options';
import { DeadLetterNoticesService } from './delivery/dead-letter-notices.service';
import { DeliveryMetricsService } from './delivery/delivery-metrics.service';
import { DeliveryQueueService } from './delivery/delivery-queue.service';
import { DeliveryQueueEntry, DeliveryQueueEntrySchema } from './delivery/delivery-queue-entry.schema';
import { DeliverySenderService } from './delivery/delivery-sender.service';
import { DeliveryWorkerService } from './delivery/delivery-worker.service';
import { EndpointCircuitBreakersService } from './delivery/endpoint-circuit-breakers.service';
import { EndpointRateLimiterService } from './delivery/endpoint-rate-limiter.service';
import { EndpointSendWindowRepository } from './delivery/endpoint-send-window.repository';
import { EndpointSendWindow, EndpointSendWindowSchema } from './delivery/endpoint-send-window.schema';
import { CandidateLaneRepository } from './ordering/candidate-lane.repository';
import { CandidateLane, CandidateLaneSchema } from './ordering/candidate-lane.schema';
import { CandidateLanesService } from './ordering/candidate-lanes.service';
import { WebhookDeliveriesService } from './delivery/webhook-deliveries.service';
import { WebhookDelivery, WebhookDeliverySchema } from './delivery/webhook-delivery.schema';
import { EndpointCacheService } from './endpoints/endpoint-cache.service';
import { EndpointChangeNoticesService } from './endpoints/endpoint-change-notices.service';
import { WebhookEndpoint, WebhookEndpointSchema } from './endpoints/webhook-endpoint.schema';
import { WebhookDeliveryRepository } from './delivery/webhook-delivery.repository';
import { WebhookEndpointRepository } from './endpoints/webhook-endpoint.repository';
import { WebhookEndpointsService } from './endpoints/webhook-endpoints.service';
import { EventIntakeService } from './event-intake.service';
import {
  Migration,
  MigrationSchema,
  PendingDeliveriesMigrationService,
} from './migrations/pending-deliveries-migration.service';

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
          { name: EndpointSendWindow.name, schema: EndpointSendWindowSchema },
          { name: CandidateLane.name, schema: CandidateLaneSchema },
          { name: Migration.name, schema: MigrationSchema },
        ]),
      ],
      providers: [
        WebhookEndpointRepository,
        WebhookDeliveryRepository,
        EndpointSendWindowRepository,
        EndpointRateLimiterService,
        CandidateLaneRepository,
        CandidateLanesService,
        { provide: DELIVERY_OPTIONS, useValue: options },
        EndpointCacheService,
        EndpointChangeNoticesService,
        EventIntakeService,
        WebhookEndpointsService,
        WebhookDeliveriesService,
        DeliveryQueueService,
        DeliveryWorkerService,
        DeliverySenderService,
        DeadLetterNoticesService,
        EndpointCircuitBreakersService,
        DeliveryMetricsService,
        PendingDeliveriesMigrationService,
      ],
      exports: [
        EventIntakeService,
        WebhookEndpointsService,
        WebhookDeliveriesService,
        EndpointCircuitBreakersService,
        EndpointCacheService,
        DeliveryQueueService,
      ],
    };
  }
}
