import { Logger } from '@nestjs/common';
import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import { lastValueFrom } from 'rxjs';
import { AmqpConnectionService } from './amqp-connection.service';
import { declareTopology } from './declare-topology';
import { answeredRequestsOf, consumedQueuesOf } from './handles-message';
import { MessageContext } from './message-context';
import type { MessagingOptions } from './messaging.options';
import { DeferMessage } from './defer-message.error';
import { PublishPendingError } from './publish-pending.error';
import type { HandlingOutcome, MessagingMetricsService } from './messaging-metrics.service';
import { InvalidMessageError, isMessageEnvelope, RpcError, type MessageEnvelope, type RpcReply } from '@wfp/contracts';
import {
  buildServiceTopology,
  exchangeName,
  retryDelayFor,
  retryQueueName,
  type WorkQueueTopology,
} from './topology/broker-topology';

export const ATTEMPT_HEADER = 'x-attempt';
export const DEAD_LETTER_REASON_HEADER = 'x-dead-letter-reason';

export type DeadLetterReason = 'malformed' | 'no-handler' | 'invalid-payload' | 'retries-exhausted';

function envelopeOf(message: ConsumeMessage): MessageEnvelope | undefined {
  try {
    const parsed: unknown = JSON.parse(message.content.toString('utf8'));
    return isMessageEnvelope(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** What every log line written while handling a message carries. */
function logBindings(envelope: MessageEnvelope): Record<string, unknown> {
  return { correlationId: envelope.correlationId, messageId: envelope.id, messageType: envelope.type };
}

/**
 * Nest transport over RabbitMQ with the guarantees of DESIGN.md section 2: manual acks after the
 * handler's work is stored, bounded retries through delay queues, and a DLQ for what cannot succeed.
 * Handlers are ordinary `@EventPattern(<message type>)` methods receiving `(envelope, MessageContext)`.
 */
export class RmqTransport extends Server implements CustomTransportStrategy {
  private readonly log = new Logger(RmqTransport.name);
  private channel: ChannelWrapper | null = null;
  /** Which raw channel (counted per (re)connect) delivered each message in flight. */
  private generation = 0;
  private readonly deliveredOn = new WeakMap<ConsumeMessage, number>();
  private readonly inFlight = new Set<Promise<void>>();
  /**
   * Handlers by message type, looked up once per type: Nest's own lookup parses the pattern as
   * JSON first (throwing for a plain name) on every message. Handlers are all registered before
   * the transport listens.
   */
  private readonly handlersByType = new Map<string, ReturnType<Server['getHandlerByPattern']>>();
  private closing = false;

  constructor(
    private readonly connection: AmqpConnectionService,
    private readonly options: MessagingOptions,
    private readonly metrics?: MessagingMetricsService,
    /** Runs a handler with the message's correlation id on every log line (LogContextService.run). */
    private readonly logContext: <T>(bindings: Record<string, unknown>, fn: () => T) => T = (_bindings, fn) => fn(),
  ) {
    super();
  }

  listen(callback: (error?: unknown) => void): void {
    // The work queues and their bindings come from the handlers' own declarations (@HandlesMessage).
    let topology: ReturnType<typeof buildServiceTopology>;
    try {
      const handlers = this.getHandlers();
      topology = buildServiceTopology(this.options, consumedQueuesOf(handlers), answeredRequestsOf(handlers));
    } catch (error) {
      return callback(error);
    }
    if (topology.workQueues.length === 0 && !topology.rpcQueue) return callback();
    const channel = this.connection.createChannel({
      name: 'consumer',
      confirm: true,
      setup: async (ch: ConfirmChannel) => {
        this.generation += 1;
        await declareTopology(ch, topology);
        await ch.prefetch(this.options.prefetch);
      },
    });
    this.channel = channel;
    // Not awaited: a service starts (and reports not-ready) while the broker is unreachable, and
    // the consumers attach once the connection is up. Their prefetch is the channel's, set by the
    // setup above before any consumer attaches: given per consumer, amqp-connection-manager sends
    // it without waiting for its answer, and a close before that answer (a shutdown just after a
    // start, a channel the broker closes) rejects a promise nobody handles, which ends the process.
    for (const workQueue of topology.workQueues) {
      channel
        .consume(workQueue.queue, (message) => this.track(this.handle(channel, workQueue, this.received(message))), {
          noAck: false,
        })
        .catch((error: unknown) => this.log.error(`cannot consume ${workQueue.queue}: ${String(error)}`));
    }
    if (topology.rpcQueue) {
      const rpcQueue = topology.rpcQueue;
      channel
        .consume(rpcQueue, (message) => this.track(this.answer(channel, rpcQueue, this.received(message))), {
          noAck: false,
        })
        .catch((error: unknown) => this.log.error(`cannot consume ${rpcQueue}: ${String(error)}`));
    }
    callback();
  }

  /** Stops taking messages, lets in-flight handlers finish (they ack), then closes the channel. */
  async close(): Promise<void> {
    this.closing = true;
    const channel = this.channel;
    if (!channel) return;
    await channel.cancelAll().catch(() => undefined);
    await Promise.allSettled([...this.inFlight]);
    await channel.close();
    this.channel = null;
  }

  on(): never {
    throw new Error('RmqTransport does not emit events');
  }

  unwrap<T>(): T {
    return this.channel as T;
  }

  private received(message: ConsumeMessage): ConsumeMessage {
    this.deliveredOn.set(message, this.generation);
    return message;
  }

  /**
   * Whether the message can still be settled: a message delivered on a channel that has since
   * closed is requeued by the broker, and acking its tag on the new channel would close that one.
   */
  private settleable(message: ConsumeMessage): boolean {
    if (this.deliveredOn.get(message) === this.generation) return true;
    this.log.warn(
      `${String(message.properties.messageId)} came on a channel that has closed; the broker delivers it again`,
    );
    return false;
  }

  private handlerFor(type: string): ReturnType<Server['getHandlerByPattern']> {
    if (!this.handlersByType.has(type)) this.handlersByType.set(type, this.getHandlerByPattern(type));
    return this.handlersByType.get(type) ?? null;
  }

  private track(work: Promise<void>): void {
    // Handling settles every message itself; a failure escaping it is a defect, logged here rather
    // than left as an unhandled rejection (which ends the process with every message in flight).
    const handled = work.catch((error: unknown) =>
      this.log.error(
        `message handling failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      ),
    );
    this.inFlight.add(handled);
    void handled.finally(() => this.inFlight.delete(handled));
  }

  private async handle(channel: ChannelWrapper, workQueue: WorkQueueTopology, message: ConsumeMessage): Promise<void> {
    const attempt = Number(message.properties.headers?.[ATTEMPT_HEADER] ?? 1);
    const envelope = envelopeOf(message);
    const done = this.metrics?.received(workQueue.queue, envelope?.type ?? 'malformed') ?? (() => undefined);
    if (!envelope) return done(await this.deadLetter(channel, workQueue, message, 'malformed', attempt));
    await this.logContext(logBindings(envelope), async () => {
      const outcome = await this.dispatch(channel, workQueue, message, envelope, attempt);
      this.log.debug(`${envelope.type} from ${workQueue.queue}: ${outcome}`);
      done(outcome);
    });
  }

  private async dispatch(
    channel: ChannelWrapper,
    workQueue: WorkQueueTopology,
    message: ConsumeMessage,
    envelope: MessageEnvelope,
    attempt: number,
  ): Promise<HandlingOutcome> {
    const handler = this.handlerFor(envelope.type);
    if (!handler) return this.deadLetter(channel, workQueue, message, 'no-handler', attempt);

    const context = new MessageContext([
      {
        queue: workQueue.queue,
        attempt,
        maxAttempts: this.options.maxAttempts,
        redelivered: message.fields.redelivered,
        envelope,
      },
    ]);
    try {
      const result = await handler(envelope, context);
      await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
    } catch (error) {
      return this.onHandlerError(channel, workQueue, message, envelope, attempt, error);
    }
    if (this.settleable(message)) channel.ack(message);
    return 'acked';
  }

  /**
   * Answers a request/reply message (`@MessagePattern`). Requests are never retried or
   * dead-lettered: the caller has a timeout, and a failure is answered as an error code.
   */
  private async answer(channel: ChannelWrapper, queue: string, message: ConsumeMessage): Promise<void> {
    const envelope = envelopeOf(message);
    const done = this.metrics?.received(queue, envelope?.type ?? 'malformed') ?? (() => undefined);
    const bindings = envelope ? logBindings(envelope) : {};
    let reply: RpcReply;
    try {
      reply = await this.logContext(bindings, async (): Promise<RpcReply> => {
        if (!envelope) throw new RpcError('BAD_REQUEST', 'the request is not a message envelope');
        const handler = this.handlerFor(envelope.type);
        if (!handler || handler.isEventHandler)
          throw new RpcError('BAD_REQUEST', `no handler answers ${envelope.type}`);
        const context = new MessageContext([
          { queue: 'rpc', attempt: 1, maxAttempts: 1, redelivered: message.fields.redelivered, envelope },
        ]);
        const result = await handler(envelope, context);
        return { ok: true, data: await lastValueFrom(this.transformToObservable(result), { defaultValue: null }) };
      });
    } catch (error) {
      reply = { ok: false, error: this.toRpcError(error) };
    }
    done(reply.ok ? 'answered' : 'failed');
    this.logContext(bindings, () =>
      this.log.debug(`${envelope?.type ?? 'malformed request'} from ${queue}: ${reply.ok ? 'answered' : 'failed'}`),
    );
    const { replyTo, correlationId } = message.properties;
    try {
      if (replyTo) {
        await channel.publish('', replyTo, Buffer.from(JSON.stringify(reply)), {
          correlationId,
          contentType: 'application/json',
        });
      }
    } catch (error) {
      this.log.warn(`cannot reply to ${String(correlationId)}: ${String(error)}`);
    }
    if (this.settleable(message)) channel.ack(message);
  }

  private toRpcError(error: unknown): { code: RpcError['code']; message: string; field?: string } {
    if (error instanceof RpcError)
      return { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) };
    if (error instanceof InvalidMessageError) return { code: 'BAD_REQUEST', message: error.message };
    // Unexpected failures are logged here; the caller only learns that it failed.
    this.log.error(`request failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return { code: 'INTERNAL', message: 'the request failed' };
  }

  private async onHandlerError(
    channel: ChannelWrapper,
    workQueue: WorkQueueTopology,
    message: ConsumeMessage,
    envelope: MessageEnvelope,
    attempt: number,
    error: unknown,
  ): Promise<HandlingOutcome> {
    const description = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    if (error instanceof InvalidMessageError) {
      this.log.warn(`${envelope.type} ${envelope.id} is invalid and is dead-lettered: ${description}`);
      return this.deadLetter(channel, workQueue, message, 'invalid-payload', attempt, description);
    }
    if (error instanceof PublishPendingError) {
      // Its work is stored: try again later, as often as it takes, without spending the budget.
      const delay = this.options.retryDelaysMs.at(-1) ?? 1000;
      this.log.warn(`${envelope.type} ${envelope.id}: ${error.message}; trying again in ${delay} ms`);
      const moved = await this.republish(channel, message, '', retryQueueName(workQueue.queue, delay), {
        [ATTEMPT_HEADER]: Math.min(attempt, Math.max(1, this.options.maxAttempts - 1)),
      });
      return moved ? 'retried' : 'requeued';
    }
    if (error instanceof DeferMessage) {
      // Not a failure and no work done: back after the shortest delay, its budget untouched.
      const delay = this.options.retryDelaysMs[0] ?? 1000;
      this.log.debug(`${envelope.type} ${envelope.id} ${error.message}; again in ${delay} ms`);
      const moved = await this.republish(channel, message, '', retryQueueName(workQueue.queue, delay), {
        [ATTEMPT_HEADER]: attempt,
      });
      return moved ? 'deferred' : 'requeued';
    }
    if (attempt >= this.options.maxAttempts) {
      this.log.error(`${envelope.type} ${envelope.id} failed ${attempt} times and is dead-lettered: ${description}`);
      return this.deadLetter(channel, workQueue, message, 'retries-exhausted', attempt, description);
    }
    const delay = retryDelayFor(attempt, this.options.retryDelaysMs);
    this.log.warn(
      `${envelope.type} ${envelope.id} failed (attempt ${attempt}), retrying in ${delay} ms: ${description}`,
    );
    const moved = await this.republish(channel, message, '', retryQueueName(workQueue.queue, delay), {
      [ATTEMPT_HEADER]: attempt + 1,
    });
    return moved ? 'retried' : 'requeued';
  }

  private async deadLetter(
    channel: ChannelWrapper,
    workQueue: WorkQueueTopology,
    message: ConsumeMessage,
    reason: DeadLetterReason,
    attempt: number,
    error?: string,
  ): Promise<HandlingOutcome> {
    const moved = await this.republish(
      channel,
      message,
      exchangeName(this.options.namespace, 'dead-letter'),
      workQueue.queue,
      {
        [DEAD_LETTER_REASON_HEADER]: reason,
        [ATTEMPT_HEADER]: attempt,
        'x-original-routing-key': message.fields.routingKey,
        'x-original-exchange': message.fields.exchange,
        'x-dead-lettered-at': new Date().toISOString(),
        ...(error ? { 'x-error': error.slice(0, 500) } : {}),
      },
    );
    if (!moved) return 'requeued';
    this.metrics?.deadLetteredFrom(workQueue.queue, reason);
    return 'dead-lettered';
  }

  /**
   * Moves a delivery elsewhere: publish the copy, wait for the broker's confirm, then ack the
   * original. A crash in between leaves the original unacked, so it is redelivered, never lost.
   */
  private async republish(
    channel: ChannelWrapper,
    message: ConsumeMessage,
    exchange: string,
    routingKey: string,
    headers: Record<string, unknown>,
  ): Promise<boolean> {
    const { properties } = message;
    try {
      await channel.publish(exchange, routingKey, message.content, {
        persistent: true,
        contentType: properties.contentType,
        messageId: properties.messageId,
        type: properties.type,
        correlationId: properties.correlationId,
        timestamp: properties.timestamp,
        headers: { ...properties.headers, ...headers },
      });
      if (this.settleable(message)) channel.ack(message);
      return true;
    } catch (error) {
      // The broker did not take the copy: leave the original for redelivery instead of losing it.
      this.log.error(`cannot move ${properties.messageId} to ${routingKey}: ${String(error)}`);
      if (!this.closing && this.settleable(message)) channel.nack(message, false, true);
      return false;
    }
  }
}
