import * as amqplib from 'amqplib';

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
