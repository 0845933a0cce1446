import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { AmqpConnection, ChangeNotices, MESSAGING_OPTIONS, type MessagingOptions } from '@wfp/messaging';
import { EndpointCache } from './endpoint-cache';

/** Routing key of the notice on the events exchange (no durable queue binds it). */
export const ENDPOINTS_CHANGED_ROUTING_KEY = 'webhook-endpoints.changed';

/**
 * Tells every dispatcher instance that an organization's endpoints changed, so that each one
 * reads them again before its next delivery (ChangeNotices, keyed by organization).
 */
@Injectable()
export class EndpointChangeNotices implements OnModuleInit {
  private notices: ChangeNotices | null = null;

  constructor(
    private readonly connection: AmqpConnection,
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingOptions,
    private readonly cache: EndpointCache,
  ) {}

  onModuleInit(): void {
    this.notices = new ChangeNotices(this.connection, {
      namespace: this.options.namespace,
      routingKey: ENDPOINTS_CHANGED_ROUTING_KEY,
      onChange: (organizationId) => this.cache.invalidate(organizationId),
      onReset: () => this.cache.invalidateAll(),
    });
  }

  /** Resolves once this instance listens for notices. */
  async listening(): Promise<void> {
    await this.notices?.listening();
  }

  /** Announces that the organization's endpoints changed (never fails: the change is stored). */
  async changed(organizationId: string): Promise<void> {
    await this.notices?.changed(organizationId);
  }
}
