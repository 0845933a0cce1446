import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import { exchangeName } from '@wfp/contracts';
import { AmqpConnection, MESSAGING_OPTIONS, type MessagingOptions } from '@wfp/messaging';
import { EndpointCache } from './endpoint-cache';

/**
 * Routing key of the notice on the events exchange. No durable queue binds it (the dispatcher's
 * events queue binds each event type by name), so only the dispatcher instances' own queues get it.
 */
export const ENDPOINTS_CHANGED_ROUTING_KEY = 'webhook-endpoints.changed';

interface EndpointsChanged {
  organizationId: string;
  /** The instance that made the change; it has applied it already. */
  instanceId: string;
}

/** A notice that cannot be sent within this is given up (the cache expiry covers it). */
const PUBLISH_TIMEOUT_MS = 2000;

/**
 * Tells every dispatcher instance that an organization's endpoints changed, so that each one
 * reads them again before its next delivery. Each instance binds an exclusive, auto-deleted queue
 * of its own (made again on every reconnect) to the events exchange; the notice is published
 * without `mandatory`, so an instance alone sends it to itself and nothing fails. Whenever the
 * queue is made (start, reconnect), the whole cache is dropped, since notices sent while it was
 * missing were lost; the cache's expiry covers a notice lost any other way.
 */
@Injectable()
export class EndpointChangeNotices implements OnModuleInit {
  private readonly logger = new Logger(EndpointChangeNotices.name);
  private readonly instanceId = randomUUID();
  private channel: ChannelWrapper | null = null;

  constructor(
    private readonly connection: AmqpConnection,
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingOptions,
    private readonly cache: EndpointCache,
  ) {}

  onModuleInit(): void {
    const events = exchangeName(this.options.namespace, 'events');
    this.channel = this.connection.createChannel({
      name: 'endpoint-changes',
      confirm: true,
      publishTimeout: PUBLISH_TIMEOUT_MS,
      // Re-run on every (re)connect: a server-named exclusive queue lives only as long as its connection.
      setup: async (channel: ConfirmChannel) => {
        await channel.assertExchange(events, 'topic', { durable: true });
        const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
        await channel.bindQueue(queue, events, ENDPOINTS_CHANGED_ROUTING_KEY);
        await channel.consume(queue, (message) => this.onNotice(message), { noAck: true });
        // Changes made before this instance listened (at start, or during a broker outage) were
        // not announced to it: what it cached until now is read again.
        this.cache.invalidateAll();
      },
    });
  }

  /** Resolves once this instance listens for notices (its queue is bound and consumed). */
  async listening(): Promise<void> {
    await this.channel?.waitForConnect();
  }

  /**
   * Sends the notice and waits for the broker to take it, so that an instance handling a message
   * published after this returns has heard of the change. Never fails: the change is stored.
   */
  async changed(organizationId: string): Promise<void> {
    if (!this.channel) return;
    const notice: EndpointsChanged = { organizationId, instanceId: this.instanceId };
    try {
      await this.channel.publish(
        exchangeName(this.options.namespace, 'events'),
        ENDPOINTS_CHANGED_ROUTING_KEY,
        Buffer.from(JSON.stringify(notice)),
        { contentType: 'application/json', persistent: false },
      );
    } catch (error) {
      this.logger.warn(
        `endpoints of ${organizationId} changed but the other instances were not told (they read them again within the cache period): ${String(error)}`,
      );
    }
  }

  private onNotice(message: ConsumeMessage | null): void {
    if (!message) return;
    try {
      const notice = JSON.parse(message.content.toString('utf8')) as Partial<EndpointsChanged>;
      if (typeof notice.organizationId !== 'string' || notice.instanceId === this.instanceId) return;
      this.cache.invalidate(notice.organizationId);
    } catch (error) {
      this.logger.warn(`unreadable endpoint change notice ignored: ${String(error)}`);
    }
  }
}
