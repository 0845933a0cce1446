import {
  SERVICE_PARKING_QUEUES,
  SERVICE_QUEUES,
  SERVICE_RETIRED_BINDINGS,
  SERVICE_RPC,
  type ConsumedQueue,
  type ExchangeKind,
  type ServiceName,
} from './service-queues';

/**
 * Pure description of the broker objects one service declares (DESIGN.md section 2):
 * the shared exchanges, and for each queue it consumes a dead-letter queue and one delay
 * queue per retry delay. A delay queue holds messages for its TTL and then dead-letters them
 * back to the work queue through the default exchange, so retries never block the work queue.
 */
export interface ExchangeDeclaration {
  name: string;
  type: 'topic' | 'direct';
}

export interface QueueDeclaration {
  name: string;
  arguments: Record<string, unknown>;
}

export interface BindingDeclaration {
  queue: string;
  exchange: string;
  routingKey: string;
}

export interface WorkQueueTopology {
  queue: string;
  deadLetterQueue: string;
  /** Delay queue per retry, in retry order (attempt 1 waits in retryQueues[0], ...). */
  retryQueues: string[];
}

export interface ServiceTopology {
  exchanges: ExchangeDeclaration[];
  queues: QueueDeclaration[];
  bindings: BindingDeclaration[];
  /** Bindings of earlier releases to remove (they would route messages to the wrong queue). */
  retiredBindings: BindingDeclaration[];
  workQueues: WorkQueueTopology[];
  /** Queue of the requests this service answers, or null when it answers none. */
  rpcQueue: string | null;
}

/**
 * Requests older than this are dropped by the broker: their caller has given up. Always a classic
 * queue (requests are transient; a lost one is answered by the caller's timeout).
 */
export const RPC_REQUEST_TTL_MS = 30_000;

export interface TopologyNames {
  namespace: string;
}

export function exchangeName(namespace: string, kind: ExchangeKind | 'dead-letter'): string {
  return kind === 'dead-letter' ? `${namespace}.dlx` : `${namespace}.${kind}`;
}

export function queueName(namespace: string, name: string): string {
  return `${namespace}.${name}`;
}

export function deadLetterQueueName(queue: string): string {
  return `${queue}.dlq`;
}

export function retryQueueName(queue: string, delayMs: number): string {
  return `${queue}.retry.${delayMs}ms`;
}

/** Which delay queue the n-th retry (1-based) waits in; the last delay repeats. */
export function retryDelayFor(retryNumber: number, delaysMs: readonly number[]): number {
  if (delaysMs.length === 0) throw new Error('at least one retry delay is required');
  const index = Math.min(Math.max(retryNumber, 1), delaysMs.length) - 1;
  return delaysMs[index];
}

export function buildServiceTopology(
  options: {
    namespace: string;
    service: ServiceName;
    queueType: 'classic' | 'quorum';
    retryDelaysMs: readonly number[];
  },
  /**
   * The service's work queues and bindings: a running service passes what its handlers declared
   * (consumedQueuesOf); tools that prepare a broker for a service use the published table.
   */
  consumedQueues: readonly ConsumedQueue[] = SERVICE_QUEUES[options.service],
  /** The request types it answers: likewise, from its request handlers when it runs. */
  answeredRequests: readonly string[] = SERVICE_RPC[options.service],
): ServiceTopology {
  const { namespace, queueType } = options;
  const typeArgument = { 'x-queue-type': queueType };
  const deadLetterExchange = exchangeName(namespace, 'dead-letter');
  const exchanges: ExchangeDeclaration[] = [
    { name: exchangeName(namespace, 'commands'), type: 'topic' },
    { name: exchangeName(namespace, 'events'), type: 'topic' },
    { name: exchangeName(namespace, 'rpc'), type: 'direct' },
    { name: deadLetterExchange, type: 'direct' },
  ];
  const queues: QueueDeclaration[] = [];
  const bindings: BindingDeclaration[] = [];
  const workQueues: WorkQueueTopology[] = [];
  const delays = [...new Set(options.retryDelaysMs)];

  for (const consumed of consumedQueues) {
    const queue = queueName(namespace, consumed.name);
    const deadLetterQueue = deadLetterQueueName(queue);
    // A message rejected without requeue (the broker's own dead-lettering) lands in the DLQ too.
    queues.push({
      name: queue,
      arguments: { ...typeArgument, 'x-dead-letter-exchange': deadLetterExchange, 'x-dead-letter-routing-key': queue },
    });
    queues.push({ name: deadLetterQueue, arguments: { ...typeArgument } });
    bindings.push({ queue: deadLetterQueue, exchange: deadLetterExchange, routingKey: queue });
    for (const delay of delays) {
      queues.push({
        name: retryQueueName(queue, delay),
        arguments: {
          ...typeArgument,
          'x-message-ttl': delay,
          'x-dead-letter-exchange': '',
          'x-dead-letter-routing-key': queue,
        },
      });
    }
    for (const binding of consumed.bindings) {
      bindings.push({ queue, exchange: exchangeName(namespace, binding.exchange), routingKey: binding.routingKey });
    }
    workQueues.push({
      queue,
      deadLetterQueue,
      retryQueues: options.retryDelaysMs.map((delay) => retryQueueName(queue, delay)),
    });
  }
  for (const parking of SERVICE_PARKING_QUEUES[options.service]) {
    const queue = queueName(namespace, parking.name);
    queues.push({ name: queue, arguments: { ...typeArgument } });
    bindings.push({ queue, exchange: deadLetterExchange, routingKey: parking.routingKey });
  }
  let rpcQueue: string | null = null;
  if (answeredRequests.length > 0) {
    rpcQueue = queueName(namespace, `${options.service}.rpc`);
    queues.push({ name: rpcQueue, arguments: { 'x-queue-type': 'classic', 'x-message-ttl': RPC_REQUEST_TTL_MS } });
    for (const routingKey of answeredRequests) {
      bindings.push({ queue: rpcQueue, exchange: exchangeName(namespace, 'rpc'), routingKey });
    }
  }
  const retiredBindings = SERVICE_RETIRED_BINDINGS[options.service].flatMap((retired) =>
    retired.bindings.map((binding) => ({
      queue: queueName(namespace, retired.name),
      exchange: exchangeName(namespace, binding.exchange),
      routingKey: binding.routingKey,
    })),
  );
  return { exchanges, queues, bindings, retiredBindings, workQueues, rpcQueue };
}

export type QueueKind = 'work' | 'retry' | 'dlq' | 'rpc';

export interface QueueDescription {
  name: string;
  kind: QueueKind;
  /** For a DLQ of a work queue: that queue; null for a parking queue (it collects notices). */
  deadLetterOf: string | null;
}

/**
 * Every queue a service declares, by what it is for: what SREs watch (work and retry backlog,
 * DLQ depth, request queue) and what the DLQ admin operations may touch.
 */
export function describeServiceQueues(topology: ServiceTopology): QueueDescription[] {
  const described: QueueDescription[] = [];
  for (const workQueue of topology.workQueues) {
    described.push({ name: workQueue.queue, kind: 'work', deadLetterOf: null });
    described.push({ name: workQueue.deadLetterQueue, kind: 'dlq', deadLetterOf: workQueue.queue });
    for (const retry of new Set(workQueue.retryQueues))
      described.push({ name: retry, kind: 'retry', deadLetterOf: null });
  }
  const known = new Set(described.map((queue) => queue.name));
  for (const queue of topology.queues) {
    if (known.has(queue.name)) continue;
    if (queue.name === topology.rpcQueue) described.push({ name: queue.name, kind: 'rpc', deadLetterOf: null });
    else described.push({ name: queue.name, kind: 'dlq', deadLetterOf: null });
  }
  return described;
}
