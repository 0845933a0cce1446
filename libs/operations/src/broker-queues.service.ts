import { HttpException, Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import {
  AmqpConnectionService,
  MESSAGING_OPTIONS,
  type MessagingOptions,
  buildServiceTopology,
  describeServiceQueues,
  SERVICE_QUEUES,
  type QueueDescription,
  type ServiceName,
} from '@wfp/messaging';

export const SERVICE_NAMES = Object.keys(SERVICE_QUEUES) as ServiceName[];

export interface QueueState extends QueueDescription {
  service: ServiceName;
  /** False when the broker does not have it (the service was never started against this broker). */
  exists: boolean;
  messageCount: number;
  consumerCount: number;
}

/** The queues of every service as the broker sees them (AmqpConnectionService.queueCounts). */
@Injectable()
export class BrokerQueuesService {
  constructor(
    private readonly connection: AmqpConnectionService,
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingOptions,
  ) {}

  /** Every queue a service declares (its names follow this broker namespace). */
  queuesOf(service: ServiceName): QueueDescription[] {
    return describeServiceQueues(buildServiceTopology({ ...this.options, service }));
  }

  async states(services: ServiceName[] = SERVICE_NAMES): Promise<QueueState[]> {
    const wanted = services.flatMap((service) => this.queuesOf(service).map((queue) => ({ ...queue, service })));
    const counts = await this.connection.queueCounts(wanted.map((queue) => queue.name));
    return wanted.map((queue, index) => {
      const count = counts[index];
      return count
        ? { ...queue, exists: true, ...count }
        : { ...queue, exists: false, messageCount: 0, consumerCount: 0 };
    });
  }
}

/**
 * For admin routes: an HTTP error passes as it is; anything else means the broker could not be
 * used, which the caller sees as 503 rather than as an internal error.
 */
export function brokerUnavailable(error: unknown): never {
  if (error instanceof HttpException) throw error;
  throw new ServiceUnavailableException('The message broker cannot be reached; try again shortly');
}
