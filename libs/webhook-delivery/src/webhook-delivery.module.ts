import { Module, type DynamicModule } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { DELIVERY_OPTIONS, type DeliveryOptions } from './delivery-options';
import { DeliveryMetrics } from './delivery/delivery-metrics';
import { DeliverySender } from './delivery/delivery-sender';
import { DeliveryWorker } from './delivery/delivery-worker.service';
import { EndpointCircuitBreakers } from './delivery/endpoint-circuit-breakers';
import { WebhookDeliveriesService } from './delivery/webhook-deliveries.service';
import { WebhookDelivery, WebhookDeliverySchema } from './delivery/webhook-delivery.schema';
import { WebhookEndpoint, WebhookEndpointSchema } from './endpoints/webhook-endpoint.schema';
import { EndpointCache } from './endpoints/endpoint-cache';
import { EndpointChangeNotices } from './endpoints/endpoint-change-notices';
import { WebhookEndpointsService } from './endpoints/webhook-endpoints.service';
import { EventIntakeService } from './event-intake.service';
import { ReceivedEvent, ReceivedEventSchema } from './received-event.schema';

/** The dispatcher's work: endpoints, event intake and fan-out, signed delivery with retries. */
@Module({})
export class WebhookDeliveryModule {
  static register(options: DeliveryOptions): DynamicModule {
    return {
      module: WebhookDeliveryModule,
      imports: [
        MongooseModule.forFeature([
          { name: ReceivedEvent.name, schema: ReceivedEventSchema },
          { name: WebhookEndpoint.name, schema: WebhookEndpointSchema },
          { name: WebhookDelivery.name, schema: WebhookDeliverySchema },
        ]),
      ],
      providers: [
        { provide: DELIVERY_OPTIONS, useValue: options },
        EndpointCache,
        EndpointChangeNotices,
        EventIntakeService,
        WebhookEndpointsService,
        WebhookDeliveriesService,
        DeliveryWorker,
        DeliverySender,
        EndpointCircuitBreakers,
        DeliveryMetrics,
      ],
      exports: [
        EventIntakeService,
        WebhookEndpointsService,
        WebhookDeliveriesService,
        EndpointCircuitBreakers,
        EndpointCache,
      ],
    };
  }
}
