import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import * as amqp from 'amqp-connection-manager';
import type { AmqpConnectionManager, ChannelWrapper, CreateChannelOpts } from 'amqp-connection-manager';
import type { Channel, ChannelModel, ConfirmChannel } from 'amqplib';
import { MESSAGING_OPTIONS, type MessagingOptions } from './messaging.options';

/** What the broker reports of one queue. */
export interface QueueCounts {
  messageCount: number;
  consumerCount: number;
}

/**
 * One broker connection per service. amqp-connection-manager reconnects after broker restarts and
 * re-runs each channel's setup (topology, consumers), so callers never hold a dead channel.
 */
@Injectable()
export class AmqpConnectionService implements OnApplicationShutdown {
  private readonly logger = new Logger(AmqpConnectionService.name);
  private readonly manager: AmqpConnectionManager;
  private readonly channels = new Set<ChannelWrapper>();
  private closing: Promise<void> | undefined;

  constructor(@Inject(MESSAGING_OPTIONS) options: MessagingOptions) {
    this.manager = amqp.connect([options.url], {
      heartbeatIntervalInSeconds: 10,
      reconnectTimeInSeconds: 1,
      // TCP_NODELAY: amqplib leaves Nagle's algorithm on, and a publish written while an earlier
      // write (an ack, a publish) waits for the broker's delayed TCP ACK was held up to 40 ms;
      // every publish confirm waited that long. With it off a confirm takes about 1.5 ms.
      connectionOptions: { noDelay: true, clientProperties: { connection_name: options.service } },
    });
    this.manager.on('connect', () => this.logger.log('connected to the message broker'));
    this.manager.on('disconnect', ({ err }) =>
      this.logger.warn(`disconnected from the message broker: ${err?.message ?? 'closed'}`),
    );
    this.manager.on('connectFailed', ({ err }) =>
      this.logger.warn(`cannot reach the message broker: ${err?.message ?? 'unknown error'}`),
    );
  }

  isConnected(): boolean {
    return this.manager.isConnected();
  }

  /**
   * Channels are closed by this class at shutdown, before the connection they live on. A channel
   * the broker closes with an error (e.g. an ack for an unknown delivery tag) is not re-created by
   * amqp-connection-manager until the connection itself reconnects, which would leave its
   * consumers silently dead: such an error forces that reconnect.
   */
  createChannel(options: CreateChannelOpts): ChannelWrapper {
    const setup = options.setup as ((channel: Channel) => Promise<unknown>) | undefined;
    const channel = this.manager.createChannel({
      ...options,
      setup: async (raw: Channel) => {
        raw.on('error', (error: Error) => this.onChannelError(options.name ?? 'unnamed', error));
        if (setup) await setup(raw);
      },
    });
    // A setup that fails (the connection closing under it, a broker refusal) is reported here and
    // run again at the next connect; unheard, the wrapper's 'error' would end the process.
    channel.on('error', (error: Error) =>
      this.logger.warn(`channel ${options.name ?? 'unnamed'} could not be set up: ${error.message}`),
    );
    this.channels.add(channel);
    channel.once('close', () => this.channels.delete(channel));
    return channel;
  }

  /**
   * Runs `work` on a channel of its own, closed afterwards. For inspecting queues that may not
   * exist (the broker closes a channel on a failed passive check): an error there must not force
   * the reconnect that an error on a managed channel does.
   */
  withTemporaryChannel<T>(work: (channel: Channel) => Promise<T>): Promise<T> {
    return this.temporary((connection) => connection.createChannel(), work);
  }

  /**
   * The broker's counts for each named queue (null for one that does not exist), read with
   * passive checks. A missing queue closes the channel it was checked on, so the rest are read on
   * a new one.
   */
  async queueCounts(names: readonly string[]): Promise<(QueueCounts | null)[]> {
    const counts: (QueueCounts | null)[] = [];
    while (counts.length < names.length) {
      await this.withTemporaryChannel(async (channel) => {
        while (counts.length < names.length) {
          try {
            const { messageCount, consumerCount } = await channel.checkQueue(names[counts.length]);
            counts.push({ messageCount, consumerCount });
          } catch {
            counts.push(null);
            return;
          }
        }
      });
    }
    return counts;
  }

  /** As withTemporaryChannel, on a confirm channel (publishes can wait for the broker's confirms). */
  withTemporaryConfirmChannel<T>(work: (channel: ConfirmChannel) => Promise<T>): Promise<T> {
    return this.temporary((connection) => connection.createConfirmChannel(), work);
  }

  private async temporary<C extends Channel, T>(
    open: (connection: ChannelModel) => Promise<C>,
    work: (channel: C) => Promise<T>,
  ): Promise<T> {
    const connection = this.manager.connection;
    if (!connection) throw new Error('not connected to the message broker');
    const channel = await open(connection);
    channel.on('error', () => undefined);
    try {
      return await work(channel);
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  private onChannelError(name: string, error: Error): void {
    if (this.closing) return;
    this.logger.error(
      `the broker closed channel ${name} (${error.message}); reconnecting to set every channel up again`,
    );
    this.manager.reconnect();
  }

  onApplicationShutdown(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.channels].map((channel) => channel.close()));
      await this.manager.close();
    })();
    return this.closing;
  }
}
