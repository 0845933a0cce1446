import * as amqplib from 'amqplib';
import { waitFor } from './wait-for';

/**
 * Looks at queues from the outside, as an SRE would. Each look uses a short-lived channel:
 * asking about a queue that does not exist yet closes the channel that asked.
 */
export class BrokerProbe {
  private constructor(private readonly connection: amqplib.ChannelModel) {}

  static async connect(url: string): Promise<BrokerProbe> {
    return new BrokerProbe(await amqplib.connect(url, { noDelay: true }));
  }

  private async withChannel<T>(work: (channel: amqplib.Channel) => Promise<T>): Promise<T | undefined> {
    const channel = await this.connection.createChannel();
    channel.on('error', () => undefined);
    try {
      return await work(channel);
    } catch {
      return undefined;
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  /** Messages ready and consumers attached, or undefined when the queue does not exist. */
  stats(queue: string): Promise<{ messageCount: number; consumerCount: number } | undefined> {
    return this.withChannel((channel) => channel.checkQueue(queue));
  }

  /**
   * Waits until the queue's consumer count satisfies `enough`. Fails after 30 s without progress:
   * `progress` when given (e.g. the starting service's CPU time), else the queue itself changing
   * (appearing, consumers attaching); the failure says what the queue last looked like, plus
   * `context` (e.g. the service's last output).
   */
  async waitForConsumers(
    queue: string,
    enough: (consumers: number) => boolean,
    options: { what: string; progress?: () => unknown; context?: () => string },
  ): Promise<void> {
    let seen = 'nothing yet';
    await waitFor(
      async () => {
        const stats = await this.stats(queue);
        seen = stats
          ? `${stats.consumerCount} consumer(s), ${stats.messageCount} message(s)`
          : 'the queue does not exist yet';
        return enough(stats?.consumerCount ?? 0);
      },
      {
        timeoutMs: 30_000,
        what: options.what,
        progress: options.progress ?? (() => seen),
        lastSeen: () => (options.context ? `${seen}; ${options.context()}` : seen),
      },
    );
  }

  /** Takes one message off the queue (acknowledged), or undefined when it is empty. */
  take(queue: string): Promise<amqplib.GetMessage | undefined> {
    return this.withChannel(async (channel) => (await channel.get(queue, { noAck: true })) || undefined);
  }

  /** Declares a temporary queue bound to an exchange, to watch what is published there. */
  async listen(queue: string, exchange: string, routingKey: string): Promise<void> {
    await this.withChannel(async (channel) => {
      await channel.assertExchange(exchange, 'topic', { durable: true });
      await channel.assertQueue(queue, { durable: false, autoDelete: false });
      await channel.bindQueue(queue, exchange, routingKey);
    });
  }

  async deleteQueue(queue: string): Promise<void> {
    await this.withChannel((channel) => channel.deleteQueue(queue));
  }

  /** Publishes raw bytes, bypassing the service's publisher (for malformed-message tests). */
  async publishRaw(
    exchange: string,
    routingKey: string,
    content: Buffer,
    options: amqplib.Options.Publish = {},
  ): Promise<void> {
    await this.withChannel(async (channel) => {
      channel.publish(exchange, routingKey, content, { persistent: true, ...options });
    });
  }

  async close(): Promise<void> {
    await this.connection.close().catch(() => undefined);
  }
}
