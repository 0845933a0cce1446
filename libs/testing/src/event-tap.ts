import * as amqplib from 'amqplib';
import { ALL_WORKFLOW_EVENT_TYPES, type MessageEnvelope } from '@wfp/contracts';

/** One workflow event as the platform emitted it. */
export interface RecordedEvent {
  id: string;
  type: string;
  organizationId: string;
  correlationId: string;
  occurredAt: Date;
  data: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/**
 * The test's record of every workflow event a platform emits: a queue of its own bound to the
 * events exchange for each workflow event type, read and remembered here (once per event id, in
 * the order the broker took them). The queue is durable and the events persistent, so the record
 * survives a broker restart in the fault tests. It is made before the services start.
 */
export class EventTap {
  private readonly seen = new Map<string, RecordedEvent>();
  private connection: amqplib.ChannelModel | null = null;
  private draining: Promise<void> = Promise.resolve();

  private constructor(
    private readonly amqpUrl: string,
    private readonly exchange: string,
    readonly queue: string,
  ) {}

  static async open(amqpUrl: string, namespace: string): Promise<EventTap> {
    const tap = new EventTap(amqpUrl, `${namespace}.events`, `${namespace}.test.event-tap`);
    await tap.withChannel(async (channel) => {
      await channel.assertExchange(tap.exchange, 'topic', { durable: true });
      await channel.assertQueue(tap.queue, { durable: true, autoDelete: false });
      for (const type of ALL_WORKFLOW_EVENT_TYPES) await channel.bindQueue(tap.queue, tap.exchange, type);
    });
    return tap;
  }

  /** Every event emitted so far. */
  async all(): Promise<RecordedEvent[]> {
    await this.drain();
    return [...this.seen.values()];
  }

  async find(predicate: (event: RecordedEvent) => boolean): Promise<RecordedEvent[]> {
    return (await this.all()).filter(predicate);
  }

  /** The first event that matches, or undefined (so that waitFor keeps waiting). */
  async findOne(predicate: (event: RecordedEvent) => boolean): Promise<RecordedEvent | undefined> {
    return (await this.all()).find(predicate);
  }

  /** Events of this type about this record (`data.recordId`). */
  async about(type: string, recordId: string): Promise<RecordedEvent | undefined> {
    return this.findOne((event) => event.type === type && event.data['recordId'] === recordId);
  }

  async close(): Promise<void> {
    await this.withChannel((channel) => channel.deleteQueue(this.queue)).catch(() => undefined);
    await this.connection?.close().catch(() => undefined);
    this.connection = null;
  }

  /** Takes what the queue holds into memory; one drain at a time keeps the broker's order. */
  private drain(): Promise<void> {
    this.draining = this.draining
      .catch(() => undefined)
      .then(() =>
        this.withChannel(async (channel) => {
          for (let message = await channel.get(this.queue, { noAck: true }); message;) {
            this.remember(JSON.parse(message.content.toString('utf8')) as MessageEnvelope);
            message = await channel.get(this.queue, { noAck: true });
          }
        }),
      );
    return this.draining;
  }

  private remember(envelope: MessageEnvelope): void {
    if (this.seen.has(envelope.id)) return;
    this.seen.set(envelope.id, {
      id: envelope.id,
      type: envelope.type,
      organizationId: envelope.organizationId,
      correlationId: envelope.correlationId,
      occurredAt: new Date(envelope.occurredAt),
      data: envelope.payload as Record<string, unknown>,
    });
  }

  /** A channel of its own per use, on a connection made again after a broker restart. */
  private async withChannel<T>(work: (channel: amqplib.Channel) => Promise<T>): Promise<T> {
    if (!this.connection) {
      const connection = await amqplib.connect(this.amqpUrl, { noDelay: true });
      connection.on('error', () => undefined);
      connection.on('close', () => {
        if (this.connection === connection) this.connection = null;
      });
      this.connection = connection;
    }
    const channel = await this.connection.createChannel();
    channel.on('error', () => undefined);
    try {
      return await work(channel);
    } finally {
      await channel.close().catch(() => undefined);
    }
  }
}
