import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Counter, Histogram } from 'prom-client';
import { MetricsRegistryService } from '@wfp/observability';
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import { randomUUID } from 'node:crypto';
import { AmqpConnectionService } from './amqp-connection.service';
import { declareExchanges } from './declare-topology';
import { MESSAGING_OPTIONS, type MessagingOptions } from './messaging.options';
import { type MessageEnvelope } from '@wfp/contracts';
import { withTraceContext } from '@wfp/tracing';
import { exchangeName } from './topology/broker-topology';
import { type PublishTarget } from './topology/service-queues';

/** The broker accepted the message but no queue was bound for it, so nobody would ever receive it. */
export class UnroutableMessageError extends Error {
  constructor(
    readonly exchange: string,
    readonly routingKey: string,
  ) {
    super(`no queue is bound to ${exchange} for ${routingKey}`);
    this.name = 'UnroutableMessageError';
  }
}

const PUBLISH_ID_HEADER = 'x-publish-id';

/**
 * Publishes envelopes as persistent messages on a confirm channel and resolves only once the
 * broker has confirmed them. Messages are `mandatory`: one that no queue receives is reported
 * as UnroutableMessageError instead of silently vanishing (RabbitMQ returns it before it confirms).
 */
@Injectable()
export class MessagePublisherService {
  private readonly channel: ChannelWrapper;
  private readonly returned = new Set<string>();
  private readonly published: Counter<'exchange' | 'type'>;
  private readonly confirmWait: Histogram<'exchange'>;

  constructor(
    connection: AmqpConnectionService,
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingOptions,
    @Optional() registry: MetricsRegistryService = new MetricsRegistryService(),
  ) {
    this.published = registry.counter({
      name: 'messages_published_total',
      help: 'Messages the broker confirmed, by exchange (commands, events, dead-letter) and message type.',
      labelNames: ['exchange', 'type'],
    });
    this.confirmWait = registry.histogram({
      name: 'message_publish_confirm_seconds',
      help: 'From handing a message to the broker to its confirm, by exchange: what every publish waits for.',
      labelNames: ['exchange'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    });
    this.channel = connection.createChannel({
      name: 'publisher',
      confirm: true,
      publishTimeout: options.publishTimeoutMs ?? 10_000,
      setup: async (channel: ConfirmChannel) => {
        channel.on('return', (message: ConsumeMessage) => {
          const publishId = message.properties.headers?.[PUBLISH_ID_HEADER];
          if (typeof publishId === 'string') this.returned.add(publishId);
        });
        await declareExchanges(channel, [
          { name: exchangeName(options.namespace, 'commands'), type: 'topic' },
          { name: exchangeName(options.namespace, 'events'), type: 'topic' },
          { name: exchangeName(options.namespace, 'dead-letter'), type: 'direct' },
        ]);
      },
    });
  }

  /** Publishes to the commands, events or dead-letter exchange; the routing key is the message type. */
  async publish(kind: PublishTarget, envelope: MessageEnvelope): Promise<void> {
    const exchange = exchangeName(this.options.namespace, kind);
    const publishId = randomUUID();
    const stopTimer = this.confirmWait.startTimer({ exchange: kind });
    try {
      // The message's own trace context is the parent of its publish span (and so of its consumer's),
      // whichever work publishes it now: an outbox entry may be published by a later operation.
      await withTraceContext(envelope.trace, () =>
        this.channel.publish(exchange, envelope.type, Buffer.from(JSON.stringify(envelope)), {
          persistent: true,
          mandatory: true,
          contentType: 'application/json',
          messageId: envelope.id,
          type: envelope.type,
          correlationId: envelope.correlationId,
          timestamp: Math.floor(Date.parse(envelope.occurredAt) / 1000),
          headers: { [PUBLISH_ID_HEADER]: publishId },
        }),
      );
      stopTimer();
      if (this.returned.has(publishId)) throw new UnroutableMessageError(exchange, envelope.type);
      this.published.inc({ exchange: kind, type: envelope.type });
    } finally {
      this.returned.delete(publishId);
    }
  }
}
