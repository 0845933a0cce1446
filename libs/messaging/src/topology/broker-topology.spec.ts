import { buildServiceTopology, describeServiceQueues, retryDelayFor } from './broker-topology';
import type { ServiceName } from './service-queues';

describe('buildServiceTopology', () => {
  const topology = buildServiceTopology({
    namespace: 'wf',
    service: 'workflow-processor',
    queueType: 'quorum',
    retryDelaysMs: [1000, 5000, 5000],
  });

  it('declares the shared exchanges', () => {
    expect(topology.exchanges).toEqual([
      { name: 'wf.commands', type: 'topic' },
      { name: 'wf.events', type: 'topic' },
      { name: 'wf.rpc', type: 'direct' },
      { name: 'wf.dlx', type: 'direct' },
    ]);
  });

  it('gives the work queue a dead-letter route to its own DLQ', () => {
    const work = topology.queues.find((q) => q.name === 'wf.workflow-processor.commands');
    expect(work?.arguments).toEqual({
      'x-queue-type': 'quorum',
      'x-dead-letter-exchange': 'wf.dlx',
      'x-dead-letter-routing-key': 'wf.workflow-processor.commands',
    });
    expect(topology.bindings).toContainEqual({
      queue: 'wf.workflow-processor.commands.dlq',
      exchange: 'wf.dlx',
      routingKey: 'wf.workflow-processor.commands',
    });
  });

  it('declares one delay queue per distinct delay that expires back into the work queue', () => {
    const delayQueues = topology.queues.filter((q) => q.name.startsWith('wf.workflow-processor.commands.retry.'));
    expect(delayQueues.map((q) => q.name)).toEqual([
      'wf.workflow-processor.commands.retry.1000ms',
      'wf.workflow-processor.commands.retry.5000ms',
    ]);
    expect(delayQueues[0].arguments).toMatchObject({
      'x-message-ttl': 1000,
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': 'wf.workflow-processor.commands',
    });
  });

  it('binds the work queue to the commands it consumes', () => {
    expect(topology.bindings).toContainEqual({
      queue: 'wf.workflow-processor.commands',
      exchange: 'wf.commands',
      routingKey: 'runs.start',
    });
  });

  it('takes cancels from a queue of their own, so they never wait behind runs', () => {
    const cancels = topology.bindings.filter((binding) => binding.routingKey === 'runs.cancel');
    expect(cancels).toEqual([
      { queue: 'wf.workflow-processor.control', exchange: 'wf.commands', routingKey: 'runs.cancel' },
    ]);
    expect(topology.workQueues.map((queue) => queue.queue)).toEqual([
      'wf.workflow-processor.commands',
      'wf.workflow-processor.control',
    ]);
    // An upgraded broker loses the binding an earlier release made.
    expect(topology.retiredBindings).toEqual([
      { queue: 'wf.workflow-processor.commands', exchange: 'wf.commands', routingKey: 'runs.cancel' },
    ]);
  });

  it('never retires a binding a service still declares', () => {
    for (const service of [
      'workflow-api',
      'workflow-processor',
      'webhook-dispatcher',
      'contact-resolver',
    ] as ServiceName[]) {
      const { bindings, retiredBindings } = buildServiceTopology({
        namespace: 'wf',
        service,
        queueType: 'classic',
        retryDelaysMs: [1],
      });
      for (const retired of retiredBindings) expect(bindings).not.toContainEqual(retired);
    }
  });

  it('gives a service that answers requests an RPC queue bound to its request types', () => {
    expect(topology.rpcQueue).toBe('wf.workflow-processor.rpc');
    expect(topology.bindings).toContainEqual({
      queue: 'wf.workflow-processor.rpc',
      exchange: 'wf.rpc',
      routingKey: 'runs.get',
    });
  });

  it('declares nothing beyond exchanges for a service that consumes nothing', () => {
    const api = buildServiceTopology({
      namespace: 'wf',
      service: 'workflow-api',
      queueType: 'classic',
      retryDelaysMs: [1],
    });
    expect(api.queues).toEqual([]);
    expect(api.workQueues).toEqual([]);
    expect(api.rpcQueue).toBeNull();
  });
});

describe('retryDelayFor', () => {
  it('walks the schedule and repeats its last delay', () => {
    const delays = [100, 200, 400];
    expect([1, 2, 3, 4, 9].map((n) => retryDelayFor(n, delays))).toEqual([100, 200, 400, 400, 400]);
  });
});

describe('describeServiceQueues', () => {
  const describe_ = (service: 'webhook-dispatcher' | 'workflow-processor') =>
    describeServiceQueues(
      buildServiceTopology({ namespace: 'wf', service, queueType: 'classic', retryDelaysMs: [1000, 5000, 5000] }),
    );

  it('names each work queue, its DLQ (pointing back at it) and its distinct retry queues', () => {
    const queues = describe_('workflow-processor');
    const work = queues.filter((queue) => queue.kind === 'work');
    expect(work.length).toBeGreaterThan(0);
    for (const { name } of work) {
      expect(queues).toContainEqual({ name: `${name}.dlq`, kind: 'dlq', deadLetterOf: name });
      expect(queues.filter((queue) => queue.kind === 'retry' && queue.name.startsWith(`${name}.retry.`))).toHaveLength(
        2,
      );
    }
    expect(queues.filter((queue) => queue.kind === 'rpc')).toEqual([
      { name: 'wf.workflow-processor.rpc', kind: 'rpc', deadLetterOf: null },
    ]);
    expect(new Set(queues.map((queue) => queue.name)).size).toBe(queues.length);
  });

  it("lists the dispatcher's parking queue as a DLQ that belongs to no work queue", () => {
    expect(describe_('webhook-dispatcher')).toContainEqual({
      name: 'wf.webhook-dispatcher.deliveries.dlq',
      kind: 'dlq',
      deadLetterOf: null,
    });
  });
});
