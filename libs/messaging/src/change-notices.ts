import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import type { AmqpConnectionService } from './amqp-connection.service';
import { exchangeName } from './topology/broker-topology';

export interface ChangeNoticesOptions {
  /** Broker namespace (the events exchange is `<namespace>.events`). */
  namespace: string;
  /**
   * Routing key of the notices on the events exchange. No durable queue may bind it (work queues
   * bind event types by name), so only the instances' own queues get it.
   */
  routingKey: string;
  /** What changed, as the key of what to drop from the cache (an organization, a workflow). */
  onChange: (key: string) => void;
  /** Notices may have been lost (the queue was just made): drop the whole cache. */
  onReset: () => void;
}

interface ChangeNotice {
  key: string;
  /** The instance that made the change; it has applied it already. */
  instanceId: string;
}

/** A notice that cannot be sent within this is given up (the cache's expiry covers it). */
const PUBLISH_TIMEOUT_MS = 2000;

/**
 * Tells every instance of a service that something it caches changed, so that each one reads it
 * again before using it. Each instance binds an exclusive, auto-deleted queue of its own (made
 * again on every reconnect) to the events exchange; a notice is published without `mandatory`, so
 * an instance alone sends it to itself and nothing fails. Whenever the queue is made (start,
 * reconnect) the whole cache is dropped, since notices sent while it was missing were lost; the
 * cache's own expiry covers a notice lost any other way.
 */
export class ChangeNotices {
  private readonly logger: Logger;
  private readonly instanceId = randomUUID();
  private readonly events: string;
  private readonly channel: ChannelWrapper;

  constructor(
    connection: AmqpConnectionService,
    private readonly options: ChangeNoticesOptions,
  ) {
    this.logger = new Logger(`ChangeNotices ${options.routingKey}`);
    this.events = exchangeName(options.namespace, 'events');
    this.channel = connection.createChannel({
      name: options.routingKey,
      confirm: true,
      publishTimeout: PUBLISH_TIMEOUT_MS,
      // Re-run on every (re)connect: a server-named exclusive queue lives only as long as its connection.
      setup: async (channel: ConfirmChannel) => {
        await channel.assertExchange(this.events, 'topic', { durable: true });
        const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
        await channel.bindQueue(queue, this.events, options.routingKey);
        await channel.consume(queue, (message) => this.onNotice(message), { noAck: true });
        // Changes made before this instance listened (at start, or during a broker outage) were
        // not announced to it: what it cached until now is read again.
        options.onReset();
      },
    });
  }

  /** Resolves once this instance listens for notices (its queue is bound and consumed). */
  async listening(): Promise<void> {
    await this.channel.waitForConnect();
  }

  /**
   * Sends the notice and waits for the broker to take it, so that an instance handling a request
   * or message that comes after this returns has most likely heard of the change. Never fails:
   * the change itself is stored.
   */
  async changed(key: string): Promise<void> {
    const notice: ChangeNotice = { key, instanceId: this.instanceId };
    try {
      await this.channel.publish(this.events, this.options.routingKey, Buffer.from(JSON.stringify(notice)), {
        contentType: 'application/json',
        persistent: false,
      });
    } catch (error) {
      this.logger.warn(
        `${key} changed but the other instances were not told (they read it again within their cache period): ${String(error)}`,
      );
    }
  }

  private onNotice(message: ConsumeMessage | null): void {
    if (!message) return;
    try {
      const notice = JSON.parse(message.content.toString('utf8')) as Partial<ChangeNotice>;
      if (typeof notice.key !== 'string' || notice.instanceId === this.instanceId) return;
      this.options.onChange(notice.key);
    } catch (error) {
      this.logger.warn(`unreadable change notice ignored: ${String(error)}`);
    }
  }
}
