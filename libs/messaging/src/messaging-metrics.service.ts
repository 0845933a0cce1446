import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { Counter, Histogram } from 'prom-client';
import { MetricsRegistryService } from '@wfp/observability';
import { AmqpConnectionService, type QueueCounts } from './amqp-connection.service';
import { MESSAGING_OPTIONS, type MessagingOptions } from './messaging.options';
import { buildServiceTopology, describeServiceQueues, type QueueDescription } from './topology/broker-topology';

/** requeued: the retry or DLQ copy could not be published, so the message goes back to its queue. */
export type HandlingOutcome = 'acked' | 'retried' | 'deferred' | 'dead-lettered' | 'requeued' | 'answered' | 'failed';

/** How long a scrape waits for the broker's queue counts before reporting what it has. */
const QUEUE_STATS_TIMEOUT_MS = 2_000;

/**
 * Per-queue message metrics of this service: what it consumed and how each message ended
 * (acked, retried, dead-lettered; requests answered or failed), how long handling took, and the
 * depth and consumer count of each of its own queues as the broker reports them at scrape time.
 */
@Injectable()
export class MessagingMetricsService {
  private readonly log = new Logger(MessagingMetricsService.name);
  private readonly consumed: Counter<'queue' | 'type'>;
  private readonly outcomes: Counter<'queue' | 'outcome'>;
  private readonly deadLettered: Counter<'queue' | 'reason'>;
  private readonly handling: Histogram<'queue' | 'outcome'>;
  private readonly queues: QueueDescription[];

  constructor(
    @Inject(MESSAGING_OPTIONS) options: MessagingOptions,
    private readonly connection: AmqpConnectionService,
    @Optional() registry: MetricsRegistryService = new MetricsRegistryService(),
  ) {
    this.queues = describeServiceQueues(buildServiceTopology(options));
    this.consumed = registry.counter({
      name: 'messages_consumed_total',
      help: 'Messages taken from a queue, by queue and message type.',
      labelNames: ['queue', 'type'],
    });
    this.outcomes = registry.counter({
      name: 'messages_handled_total',
      help: 'Messages handled, by queue and outcome (acked, retried, dead-lettered, requeued; answered or failed for requests).',
      labelNames: ['queue', 'outcome'],
    });
    this.deadLettered = registry.counter({
      name: 'messages_dead_lettered_total',
      help: 'Messages moved to a dead-letter queue, by the queue they came from and why.',
      labelNames: ['queue', 'reason'],
    });
    this.handling = registry.histogram({
      name: 'message_handling_seconds',
      help: 'Time from taking a message to settling it, by queue and outcome.',
      labelNames: ['queue', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    });
    const stats = () => this.queueStats();
    registry.gauge({
      name: 'queue_messages',
      help: "Messages ready in each of this service's queues, as the broker reports them (kind: work, retry, dlq, rpc).",
      labelNames: ['queue', 'kind'],
      async collect() {
        this.reset();
        for (const queue of await stats()) this.set({ queue: queue.name, kind: queue.kind }, queue.messageCount);
      },
    });
    registry.gauge({
      name: 'queue_consumers',
      help: "Consumers attached to each of this service's queues, as the broker reports them.",
      labelNames: ['queue', 'kind'],
      async collect() {
        this.reset();
        for (const queue of await stats()) this.set({ queue: queue.name, kind: queue.kind }, queue.consumerCount);
      },
    });
  }

  /** Starts timing one message; the returned function records how it ended. */
  received(queue: string, type: string): (outcome: HandlingOutcome) => void {
    this.consumed.inc({ queue, type });
    const stop = this.handling.startTimer({ queue });
    return (outcome) => {
      this.outcomes.inc({ queue, outcome });
      stop({ outcome });
    };
  }

  deadLetteredFrom(queue: string, reason: string): void {
    this.deadLettered.inc({ queue, reason });
  }

  private statsCache: Promise<QueueStats[]> | undefined;

  /** One broker round per scrape for both gauges (they collect at the same time). */
  private queueStats(): Promise<QueueStats[]> {
    this.statsCache ??= this.readQueueStats().finally(() => setTimeout(() => (this.statsCache = undefined), 500));
    return this.statsCache;
  }

  private async readQueueStats(): Promise<QueueStats[]> {
    if (!this.connection.isConnected()) return [];
    // The consumer declares these queues at start; one deleted by hand is left out.
    const read = this.connection.queueCounts(this.queues.map((queue) => queue.name)).then((counts) =>
      this.queues.flatMap((queue, index) => {
        const count = counts[index];
        return count ? [{ ...queue, ...count }] : [];
      }),
    );
    const timeout = new Promise<QueueStats[]>((resolve) => setTimeout(() => resolve([]), QUEUE_STATS_TIMEOUT_MS));
    return Promise.race([read, timeout]).catch((error: unknown) => {
      this.log.warn(`cannot read queue depths: ${String(error)}`);
      return [];
    });
  }
}

type QueueStats = QueueDescription & QueueCounts;
