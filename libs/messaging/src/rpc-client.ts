import { Inject, Injectable } from '@nestjs/common';
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { Channel, ConsumeMessage } from 'amqplib';
import { randomUUID } from 'node:crypto';
import { createUncheckedEnvelope, RpcError, type EnvelopeOrigin, type RpcReply } from '@wfp/contracts';
import { AmqpConnectionService } from './amqp-connection.service';
import { MESSAGING_OPTIONS, type MessagingOptions } from './messaging.options';
import { exchangeName } from './topology/broker-topology';

/** RabbitMQ's direct reply-to pseudo-queue: replies need no queue of their own. */
const REPLY_TO = 'amq.rabbitmq.reply-to';

interface Pending {
  resolve: (data: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Request/reply over RabbitMQ: publish to `<ns>.rpc` with the request type as routing key and wait
 * for the answer on direct reply-to. A request no service is bound for, or that gets no answer in
 * time, fails with RpcError('UNAVAILABLE') — never a hang.
 */
@Injectable()
export class RpcClient {
  private readonly channel: ChannelWrapper;
  private readonly pending = new Map<string, Pending>();

  constructor(
    connection: AmqpConnectionService,
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingOptions,
  ) {
    this.channel = connection.createChannel({
      name: 'rpc-client',
      confirm: false,
      setup: async (channel: Channel) => {
        channel.on('return', (message: ConsumeMessage) =>
          this.settle(
            message.properties.correlationId,
            undefined,
            new RpcError('UNAVAILABLE', 'no service answers this request'),
          ),
        );
        await channel.consume(REPLY_TO, (message) => message && this.onReply(message), { noAck: true });
      },
    });
  }

  async request<T>(type: string, payload: unknown, origin: EnvelopeOrigin, timeoutMs = 5000): Promise<T> {
    const correlationId = randomUUID();
    const envelope = createUncheckedEnvelope({ type, schemaVersion: 1 }, payload, origin);
    const answer = new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          this.settle(
            correlationId,
            undefined,
            new RpcError('UNAVAILABLE', `no answer to ${type} within ${timeoutMs} ms`),
          ),
        timeoutMs,
      );
      this.pending.set(correlationId, { resolve: resolve as (data: unknown) => void, reject, timer });
    });
    this.channel
      .publish(exchangeName(this.options.namespace, 'rpc'), type, Buffer.from(JSON.stringify(envelope)), {
        correlationId,
        replyTo: REPLY_TO,
        mandatory: true,
        expiration: String(timeoutMs),
        contentType: 'application/json',
      })
      .catch((error: unknown) => this.settle(correlationId, undefined, new RpcError('UNAVAILABLE', String(error))));
    return answer;
  }

  private onReply(message: ConsumeMessage): void {
    try {
      const reply = JSON.parse(message.content.toString('utf8')) as RpcReply;
      if (reply.ok) this.settle(message.properties.correlationId, reply.data);
      else
        this.settle(
          message.properties.correlationId,
          undefined,
          new RpcError(reply.error.code, reply.error.message, reply.error.field),
        );
    } catch {
      this.settle(message.properties.correlationId, undefined, new RpcError('INTERNAL', 'unreadable reply'));
    }
  }

  private settle(correlationId: unknown, data: unknown, error?: Error): void {
    if (typeof correlationId !== 'string') return;
    const pending = this.pending.get(correlationId);
    if (!pending) return; // late reply after a timeout
    this.pending.delete(correlationId);
    clearTimeout(pending.timer);
    if (error) pending.reject(error);
    else pending.resolve(data);
  }
}
