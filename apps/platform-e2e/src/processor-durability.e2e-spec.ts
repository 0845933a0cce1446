import request from 'supertest';
import { Platform, waitFor } from '@wfp/testing';
import { createOrganization } from './support/fixtures';
import { HttpReceiver } from './support/http-receiver';
import { RunEvents } from './support/run-events';

const HOOKS = ['hook1', 'hook2', 'hook3'];

/** hook1 → hook2 → … → done: slow webhook calls, each recorded by the receiver. */
function chain(receiverUrl: string, hooks: string[] = HOOKS) {
  return {
    startNodeId: hooks[0],
    nodes: [
      ...hooks.map((id, index) => ({
        id,
        type: 'webhook',
        config: {
          method: 'POST',
          url: `${receiverUrl}/slow`,
          headers: { 'x-node': id, 'x-run': '{{run.id}}' },
          body: { n: index },
          timeoutSeconds: 5,
          retries: 0,
        },
        transitions: { onSuccess: hooks[index + 1] ?? 'done' },
      })),
      { id: 'done', type: 'output', config: { value: { ok: true } } },
    ],
  };
}

async function startRuns(platform: Platform, apiKey: string, definition: object, count: number): Promise<string[]> {
  const auth = { Authorization: `Bearer ${apiKey}` };
  const created = await request(platform.apiUrl)
    .post('/v1/workflows')
    .set(auth)
    .send({ name: 'chain', definition })
    .expect(201);
  await request(platform.apiUrl).post(`/v1/workflows/${created.body.id}/publish`).set(auth).expect(201);
  const accepted = await request(platform.apiUrl)
    .post(`/v1/workflows/${created.body.id}/runs`)
    .set(auth)
    .send({ triggerSource: 'API', candidateProfileIds: Array.from({ length: count }, (_, index) => `cp_${index}`) })
    .expect(202);
  return accepted.body.runIds;
}

/** Exactly one terminal event, COMPLETED, and each node exactly once in nodes[] and as NODE_COMPLETED. */
async function expectEachRunCompletedOnce(events: RunEvents, runIds: string[]): Promise<void> {
  for (const runId of runIds) {
    const { events: all } = await events.untilTerminal(runId, 60_000);
    const terminal = all.filter(
      (event) => event.type.startsWith('WORKFLOW_RUN_') && event.type !== 'WORKFLOW_RUN_STARTED',
    );
    expect({ runId, terminal: terminal.map((event) => event.data.outcome) }).toEqual({
      runId,
      terminal: ['completed'],
    });
    expect(terminal[0].data.nodes.map((node: { nodeId: string }) => node.nodeId)).toEqual([...HOOKS, 'done']);
    const nodeEvents = all
      .filter((event) => event.type === 'WORKFLOW_NODE_COMPLETED')
      .map((event) => event.data.nodeId);
    expect({ runId, nodeEvents }).toEqual({ runId, nodeEvents: [...HOOKS, 'done'] });
    expect(all.filter((event) => event.type === 'WORKFLOW_RUN_STARTED')).toHaveLength(1);
  }
}

describe('processor durability: SIGKILL at any point loses nothing and redoes nothing stored', () => {
  let platform: Platform;
  let receiver: HttpReceiver;

  beforeAll(async () => {
    receiver = await HttpReceiver.start();
    receiver.on('/slow', () => ({ status: 200, body: { ok: true }, delayMs: 40 }));
    platform = await Platform.start();
  });

  afterAll(async () => {
    await platform?.stop();
    await receiver?.stop();
  });

  it('finishes every run exactly once after the processor is killed mid-flight and restarted', async () => {
    const org = await createOrganization(platform.apiUrl, 'Crashy');
    const runIds = await startRuns(platform, org.apiKey, chain(receiver.url), 30);
    await waitFor(() => receiver.requests.length >= 20, { what: 'runs to be under way' });
    // SIGKILL, then let the receiver read what the dead process had already sent: a request it
    // sent before dying must not count as made after the kill.
    await platform.services['workflow-processor'].kill();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const killedAt = Date.now();
    await platform.crashAndRestart('workflow-processor');

    await expectEachRunCompletedOnce(new RunEvents(platform.events), runIds);

    // Only a call whose result was not yet stored may be made again: every repeated call's
    // first attempt happened before the kill.
    const calls = new Map<string, number[]>();
    for (const call of receiver.requestsTo('/slow')) {
      const key = `${call.headers['x-run']}:${call.headers['x-node']}`;
      calls.set(key, [...(calls.get(key) ?? []), call.receivedAt]);
    }
    expect(calls.size).toBe(runIds.length * HOOKS.length);
    const repeated = [...calls.entries()].filter(([, times]) => times.length > 1);
    for (const [key, times] of repeated)
      expect({ key, firstBeforeKill: times[0] <= killedAt }).toEqual({ key, firstBeforeKill: true });
    expect(repeated.length).toBeLessThanOrEqual(32); // at most what was in flight (prefetch)
  });
});

describe('processor scale-out: two instances on one queue run every run exactly once', () => {
  let platform: Platform;
  let receiver: HttpReceiver;

  beforeAll(async () => {
    receiver = await HttpReceiver.start();
    receiver.on('/slow', () => ({ status: 200, body: { ok: true }, delayMs: 10 }));
    platform = await Platform.start({
      'workflow-processor': { AMQP_PREFETCH: '4', RUN_EVENT_MAX_NODES_BYTES: '1024' },
    });
  });

  afterAll(async () => {
    await platform?.stop();
    await receiver?.stop();
  });

  it('shares the runs between instances and completes each once', async () => {
    const second = await platform.addInstance('workflow-processor');
    const org = await createOrganization(platform.apiUrl, 'Scaled');
    const runIds = await startRuns(platform, org.apiKey, chain(receiver.url), 40);
    await expectEachRunCompletedOnce(new RunEvents(platform.events), runIds);
    const startedBy = (logs: string) => runIds.filter((runId) => logs.includes(`run ${runId} started`)).length;
    const first = startedBy(platform.services['workflow-processor'].logs);
    const other = startedBy(second.logs);
    expect(first + other).toBe(runIds.length);
    expect(first).toBeGreaterThan(0);
    expect(other).toBeGreaterThan(0);
  });

  it('truncates nodes[] of terminal events past RUN_EVENT_MAX_NODES_BYTES and says so', async () => {
    const org = await createOrganization(platform.apiUrl, 'Long runs');
    const long = Array.from({ length: 8 }, (_, index) => `step${index + 1}`);
    const [runId] = await startRuns(platform, org.apiKey, chain(receiver.url, long), 1);
    const { terminal } = await new RunEvents(platform.events).untilTerminal(runId);
    expect(terminal.data.truncated).toBe(true);
    expect(terminal.data.nodes.length).toBeGreaterThan(0);
    expect(terminal.data.nodes.length).toBeLessThan(9);
    // the earliest nodes are kept, in order
    expect(terminal.data.nodes.map((node: { nodeId: string }) => node.nodeId)).toEqual(
      long.slice(0, terminal.data.nodes.length),
    );
    expect(JSON.stringify(terminal.data.nodes).length).toBeLessThanOrEqual(1024);
    expect(terminal.data.finalNodeId).toBe('done');
  });
});
