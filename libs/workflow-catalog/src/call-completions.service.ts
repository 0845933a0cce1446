import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import { WorkflowCallResult, type CallResult, type MessageEnvelope } from '@wfp/contracts';
import { AmqpConnectionService, MESSAGING_OPTIONS, type MessagingOptions, exchangeName } from '@wfp/messaging';

/**
 * Lets `POST /v1/workflows/:id/call?wait=` wait for its run without polling: each gateway
 * instance has an exclusive, auto-deleted queue bound to WorkflowCallResult events, and a waiting
 * call is a promise in a map keyed by run id (no thread, no database read while it waits).
 * Results nobody waits for are dropped here; the run keeps its result for GET and the webhook.
 */
@Injectable()
export class CallCompletionsService implements OnModuleInit {
  private readonly logger = new Logger(CallCompletionsService.name);
  private readonly waiting = new Map<string, (result: CallResult) => void>();

  constructor(
    private readonly connection: AmqpConnectionService,
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingOptions,
  ) {}

  onModuleInit(): void {
    this.connection.createChannel({
      name: 'call-completions',
      // Re-run on every (re)connect: a server-named exclusive queue lives only as long as its connection.
      setup: async (channel: ConfirmChannel) => {
        const events = exchangeName(this.options.namespace, 'events');
        await channel.assertExchange(events, 'topic', { durable: true });
        const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
        await channel.bindQueue(queue, events, WorkflowCallResult.type);
        await channel.consume(queue, (message) => this.onResult(message), { noAck: true });
      },
    });
  }

  /**
   * Waits up to `timeoutMs` for the run's result; null when it did not come in time. Register
   * before the run is started (`expect`), so a fast run cannot finish unseen.
   */
  expect(runId: string): { result(timeoutMs: number): Promise<CallResult | null>; cancel(): void } {
    let resolveResult!: (result: CallResult | null) => void;
    const settled = new Promise<CallResult | null>((resolve) => (resolveResult = resolve));
    this.waiting.set(runId, (result) => resolveResult(result));
    const cancel = () => {
      this.waiting.delete(runId);
      resolveResult(null);
    };
    return {
      result: async (timeoutMs) => {
        const timer = setTimeout(cancel, timeoutMs);
        try {
          return await settled;
        } finally {
          clearTimeout(timer);
          this.waiting.delete(runId);
        }
      },
      cancel,
    };
  }

  get waitingCount(): number {
    return this.waiting.size;
  }

  private onResult(message: ConsumeMessage | null): void {
    if (!message) return;
    try {
      const envelope = JSON.parse(message.content.toString('utf8')) as MessageEnvelope<WorkflowCallResult>;
      const resolve = this.waiting.get(envelope.payload.runId);
      if (resolve) {
        this.waiting.delete(envelope.payload.runId);
        resolve(envelope.payload.result);
      }
    } catch (error) {
      this.logger.warn(`unreadable call result ignored: ${String(error)}`);
    }
  }
}
