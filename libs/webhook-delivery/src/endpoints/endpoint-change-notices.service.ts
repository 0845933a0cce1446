import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { AmqpConnectionService, ChangeNotices, MESSAGING_OPTIONS, type MessagingOptions } from '@wfp/messaging';
import { EndpointCacheService } from './endpoint-cache.service';

/** Routing key of the notice on the events exchange (no durable queue binds it). */
export const ENDPOINTS_CHANGED_ROUTING_KEY = 'webhook-endpoints.changed';

/**
 * Tells every dispatcher instance that an organization's endpoints changed, so that each one
 * reads them again before its next delivery (ChangeNotices, keyed by organization).
 */
@Injectable()
export class EndpointChangeNoticesService implements OnModuleInit {
  private notices: ChangeNotices | null = null;

  constructor(
    private readonly connection: AmqpConnectionService,
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingOptions,
    private readonly cache: EndpointCacheService,
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
