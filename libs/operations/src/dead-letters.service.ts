import { ConflictException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import type { Channel, ConfirmChannel, GetMessage } from 'amqplib';
import { InvalidMessageError, parseMessage, WebhookDeliveryDeadLettered } from '@wfp/contracts';
import { AmqpConnectionService, type QueueDescription, type ServiceName } from '@wfp/messaging';
import { WebhookEndpointsClient } from '@wfp/webhook-subscriptions';
import { BrokerQueuesService, SERVICE_NAMES } from './broker-queues.service';
import { describeDeadLetter, replayHeaders, type DeadLetterView } from './dead-letters';

/** How far into a DLQ a lookup by message id reads (DLQs are meant to stay short). */
export const DEAD_LETTER_SCAN_LIMIT = 1000;

export interface DeadLetterQueueView {
  name: string;
  deadLetterOf: string | null;
  exists: boolean;
  messageCount: number;
}

export interface DeadLetterListView {
  service: ServiceName;
  queues: DeadLetterQueueView[];
  /** The first messages of each DLQ, oldest first (peeked: they stay in the queue). */
  messages: DeadLetterView[];
}

export interface ReplayAllView {
  replayed: number;
  /** Messages left in place because nothing says where they came from (see each one's replayTo). */
  skipped: number;
  /** Messages left in place because their replay was refused (e.g. a parked delivery that was deleted). */
  failed: number;
}

/**
 * Admin operations on a service's dead-letter queues: list and inspect (peek: get without ack,
 * the channel's close puts every message back in its place), replay (publish the message to
 * where it first went, with a fresh retry budget, wait for the broker's confirm, then remove it
 * from the DLQ: a crash in between leaves a copy in both, never none) and purge.
 * A notice in the dispatcher's parking queue is replayed by replaying its delivery.
 */
@Injectable()
export class DeadLettersService {
  private readonly log = new Logger(DeadLettersService.name);

  constructor(
    private readonly connection: AmqpConnectionService,
    private readonly queues: BrokerQueuesService,
    private readonly webhooks: WebhookEndpointsClient,
  ) {}

  async list(service: string, limit: number): Promise<DeadLetterListView> {
    const known = this.serviceNamed(service);
    const states = (await this.queues.states([known])).filter((queue) => queue.kind === 'dlq');
    const messages: DeadLetterView[] = [];
    for (const queue of states.filter((state) => state.exists && state.messageCount > 0)) {
      if (messages.length >= limit) break;
      await this.connection.withTemporaryChannel(async (channel) => {
        for (let message = await get(channel, queue.name); message; message = await get(channel, queue.name)) {
          messages.push(describe(queue, message));
          if (messages.length >= limit) break;
        }
      });
    }
    return {
      service: known,
      queues: states.map(({ name, deadLetterOf, exists, messageCount }) => ({
        name,
        deadLetterOf,
        exists,
        messageCount,
      })),
      messages,
    };
  }

  async inspect(service: string, messageId: string): Promise<DeadLetterView> {
    return this.withMessage(service, messageId, async (_channel, _message, view) => view);
  }

  async replay(service: string, messageId: string): Promise<DeadLetterView> {
    return this.withMessage(service, messageId, async (channel, message, view) => {
      await this.replayOne(channel, message, view);
      channel.ack(message);
      return view;
    });
  }

  /** Removes one message from the DLQ without replaying it. */
  async discard(service: string, messageId: string): Promise<DeadLetterView> {
    return this.withMessage(service, messageId, async (channel, message, view) => {
      channel.ack(message);
      return view;
    });
  }

  async replayAll(service: string): Promise<ReplayAllView> {
    const result: ReplayAllView = { replayed: 0, skipped: 0, failed: 0 };
    for (const queue of this.deadLetterQueuesOf(this.serviceNamed(service))) {
      await this.connection
        .withTemporaryConfirmChannel(async (channel) => {
          // Unacked messages are not handed out again on this channel, so this ends; the skipped
          // ones go back to the queue when the channel closes.
          for (let message = await get(channel, queue.name); message; message = await get(channel, queue.name)) {
            if (result.replayed + result.skipped + result.failed >= DEAD_LETTER_SCAN_LIMIT) break;
            const view = describe(queue, message);
            if (!replayable(view)) {
              result.skipped += 1;
              continue;
            }
            try {
              await this.replayOne(channel, message, view);
            } catch (error) {
              this.log.warn(`cannot replay a message of ${queue.name}: ${String(error)}`);
              result.failed += 1;
              continue;
            }
            channel.ack(message);
            result.replayed += 1;
          }
        })
        .catch((error: unknown) => {
          if (!isMissingQueue(error)) throw error;
        });
    }
    return result;
  }

  async purge(service: string): Promise<{ purged: number }> {
    let purged = 0;
    for (const queue of this.deadLetterQueuesOf(this.serviceNamed(service))) {
      purged += await this.connection
        .withTemporaryChannel(async (channel) => (await channel.purgeQueue(queue.name)).messageCount)
        .catch((error: unknown) => {
          if (isMissingQueue(error)) return 0;
          throw error;
        });
    }
    this.log.warn(`purged ${purged} dead-lettered messages of ${service}`);
    return { purged };
  }

  private async replayOne(channel: ConfirmChannel, message: GetMessage, view: DeadLetterView): Promise<void> {
    if (view.deadLetterOf === null) return this.replayParkedDelivery(view);
    if (!view.replayTo) {
      throw new ConflictException('The message does not say where it was first published, so it cannot be replayed');
    }
    const { exchange, routingKey } = view.replayTo;
    let returned = false;
    const onReturn = () => (returned = true);
    channel.on('return', onReturn);
    try {
      const { properties } = message;
      channel.publish(exchange, routingKey, message.content, {
        persistent: true,
        mandatory: true,
        contentType: properties.contentType,
        messageId: properties.messageId,
        type: properties.type,
        correlationId: properties.correlationId,
        timestamp: properties.timestamp,
        headers: replayHeaders(properties.headers, new Date()),
      });
      await channel.waitForConfirms();
    } finally {
      channel.off('return', onReturn);
    }
    if (returned) {
      throw new ConflictException(`Nothing takes messages for ${routingKey} on ${exchange || 'the default exchange'}`);
    }
    this.log.log(`replayed ${view.messageId ?? 'a message'} from ${view.queue} to ${exchange}/${routingKey}`);
  }

  private async replayParkedDelivery(view: DeadLetterView): Promise<void> {
    const body = view.body as { type?: string; organizationId?: string; payload?: unknown };
    const notice = body.type === WebhookDeliveryDeadLettered.type ? parsedNotice(body.payload) : null;
    if (!notice || !body.organizationId) {
      throw new ConflictException('The notice does not name a delivery, so it cannot be replayed');
    }
    const { deliveryId } = notice;
    await this.webhooks.replayDelivery(
      { organizationId: body.organizationId, correlationId: view.correlationId ?? `replay-${deliveryId}` },
      deliveryId,
    );
  }

  /** Finds the message by id in the service's DLQs and runs `work` on it; others go back untouched. */
  private async withMessage<T>(
    service: string,
    messageId: string,
    work: (channel: ConfirmChannel, message: GetMessage, view: DeadLetterView) => Promise<T>,
  ): Promise<T> {
    for (const queue of this.deadLetterQueuesOf(this.serviceNamed(service))) {
      const outcome = await this.connection
        .withTemporaryConfirmChannel(async (channel) => {
          for (let scanned = 0; scanned < DEAD_LETTER_SCAN_LIMIT; scanned += 1) {
            const message = await get(channel, queue.name);
            if (!message) return { found: false as const };
            const view = describe(queue, message);
            if (view.messageId === messageId) {
              return { found: true as const, value: await work(channel, message, view) };
            }
          }
          return { found: false as const };
        })
        .catch((error: unknown) => {
          if (isMissingQueue(error)) return { found: false as const };
          throw error;
        });
      if (outcome.found) return outcome.value;
    }
    throw new NotFoundException(`No dead-lettered message ${messageId} in the DLQs of ${service}`);
  }

  private deadLetterQueuesOf(service: ServiceName): QueueDescription[] {
    return this.queues.queuesOf(service).filter((queue) => queue.kind === 'dlq');
  }

  private serviceNamed(service: string): ServiceName {
    if (!(SERVICE_NAMES as string[]).includes(service)) {
      throw new NotFoundException(`Unknown service "${service}"; one of ${SERVICE_NAMES.join(', ')}`);
    }
    return service as ServiceName;
  }
}

async function get(channel: Channel, queue: string): Promise<GetMessage | undefined> {
  return (await channel.get(queue, { noAck: false })) || undefined;
}

function describe(queue: QueueDescription, message: GetMessage): DeadLetterView {
  return describeDeadLetter(queue, {
    content: message.content,
    messageId: message.properties.messageId as string | undefined,
    headers: message.properties.headers,
  });
}

function replayable(view: DeadLetterView): boolean {
  return view.deadLetterOf === null ? view.type === WebhookDeliveryDeadLettered.type : view.replayTo !== null;
}

/** The broker's answer to a passive check or get on a queue that does not exist (404 NOT_FOUND). */
function isMissingQueue(error: unknown): boolean {
  return (error as { code?: number }).code === 404;
}

function parsedNotice(payload: unknown): WebhookDeliveryDeadLettered | null {
  try {
    return parseMessage(WebhookDeliveryDeadLettered, payload);
  } catch (error) {
    if (error instanceof InvalidMessageError) return null;
    throw error;
  }
}
