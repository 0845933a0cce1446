import request from 'supertest';
import { Platform, waitFor } from '@wfp/testing';
import { createOrganization, schemaErrors } from './support/fixtures';
import { HttpReceiver } from './support/http-receiver';
import { RunEvents } from './support/run-events';

/** fetch (always 200) → notify (503 until the target recovers) → done (output). */
function definition(receiverUrl: string) {
  const hook = (id: string, path: string, next: string) => ({
    id,
    type: 'webhook',
    config: {
      method: 'POST',
      url: `${receiverUrl}${path}`,
      contentType: 'json',
      headers: { 'x-run': '{{run.id}}' },
      body: { ticket: '{{vars.ticket}}' },
      timeoutSeconds: 5,
      retries: 0,
      setVariables: [{ name: 'data.ticket', variable: 'ticket' }],
    },
    transitions: { onSuccess: next },
  });
  return {
    startNodeId: 'fetch',
    nodes: [
      hook('fetch', '/fetch', 'notify'),
      {
        ...hook('notify', '/notify', 'done'),
        config: { ...hook('notify', '/notify', 'done').config, setVariables: [] },
      },
      { id: 'done', type: 'output', config: { value: { ticket: '{{vars.ticket}}' } } },
    ],
  };
}

describe('retry a failed run from the node where it failed', () => {
  let platform: Platform;
  let receiver: HttpReceiver;
  let events: RunEvents;
  let apiKey: string;
  let workflowId: string;
  let notifyHealthy = false;
  let notifyDelayMs = 0;

  beforeAll(async () => {
    receiver = await HttpReceiver.start();
    let tickets = 0;
    receiver.on('/fetch', () => ({ status: 200, body: { data: { ticket: `T-${(tickets += 1)}` } } }));
    receiver.on('/notify', () =>
      notifyHealthy ? { status: 200, body: {}, delayMs: notifyDelayMs } : { status: 503, body: { error: 'down' } },
    );
    platform = await Platform.start();
    events = new RunEvents(platform.events);
    ({ apiKey } = await createOrganization(platform.apiUrl, 'Retry Co'));
    const created = await api()
      .post('/v1/workflows')
      .set(auth())
      .send({ name: 'retryable', definition: definition(receiver.url) })
      .expect(201);
    workflowId = created.body.id;
    await api().post(`/v1/workflows/${workflowId}/publish`).set(auth()).expect(201);
  });

  afterAll(async () => {
    await platform?.stop();
    await receiver?.stop();
  });

  const api = () => request(platform.apiUrl);
  const auth = () => ({ Authorization: `Bearer ${apiKey}` });
  const callsFor = (path: string, runId: string) =>
    receiver.requestsTo(path).filter((call) => call.headers['x-run'] === runId);

  async function failedRun(email: string): Promise<string> {
    notifyHealthy = false;
    const accepted = await api()
      .post(`/v1/workflows/${workflowId}/runs`)
      .set(auth())
      .send({ triggerSource: 'API', contacts: [{ email }], inputs: {} })
      .expect(202);
    const runId: string = accepted.body.runIds[0];
    const { terminal } = await events.untilTerminal(runId);
    expect(terminal.type).toBe('WORKFLOW_RUN_FAILED');
    expect(terminal.data).toMatchObject({ errorCode: 'DOWNSTREAM_SERVICE_ERROR', lastFailedNodeId: 'notify' });
    return runId;
  }

  it('resumes at the failed node: nothing before it runs again, and the events tell the whole story', async () => {
    const failedRunId = await failedRun('ann@example.com');
    notifyHealthy = true;
    const retried = await api().post(`/v1/workflow-runs/${failedRunId}/retry`).set(auth()).expect(202);
    const retryRunId: string = retried.body.runId;
    expect(retryRunId).not.toBe(failedRunId);

    const { terminal, events: all } = await events.untilTerminal(retryRunId);
    expect(terminal.type).toBe('WORKFLOW_RUN_COMPLETED');
    // fetch ran once, in the failed run; notify once there (503) and once in the retry.
    expect(callsFor('/fetch', failedRunId)).toHaveLength(1);
    expect(callsFor('/fetch', retryRunId)).toHaveLength(0);
    expect(callsFor('/notify', retryRunId)).toHaveLength(1);
    // The retry emits its own lifecycle for what it executes; its terminal nodes[] carries fetch too.
    expect(all.map((event) => event.type)).toEqual([
      'WORKFLOW_RUN_STARTED',
      'WORKFLOW_NODE_COMPLETED',
      'WORKFLOW_NODE_COMPLETED',
      'WORKFLOW_RUN_COMPLETED',
    ]);
    expect(all.filter((e) => e.type === 'WORKFLOW_NODE_COMPLETED').map((e) => e.data.nodeId)).toEqual([
      'notify',
      'done',
    ]);
    expect(terminal.data.nodes.map((node: { nodeId: string }) => node.nodeId)).toEqual(['fetch', 'notify', 'done']);
    for (const event of all) expect(schemaErrors(event.type as never, event.data)).toEqual([]);

    const retry = await api().get(`/v1/workflow-runs/${retryRunId}`).set(auth()).expect(200);
    expect(retry.body).toMatchObject({ status: 'COMPLETED', retryOfRunId: failedRunId, output: { ticket: 'T-1' } });
    // The context stored before the failure was resumed: fetch's step and variable are there.
    expect(retry.body.context.traverse.order).toEqual(['fetch', 'notify', 'done']);
    const failed = await api().get(`/v1/workflow-runs/${failedRunId}`).set(auth()).expect(200);
    expect(failed.body).toMatchObject({ status: 'FAILED', retriedByRunId: retryRunId });
  });

  it('refuses what is not a FAILED run with 409 naming its status', async () => {
    const failedRunId = await failedRun('bea@example.com');
    notifyHealthy = true;
    const retried = await api().post(`/v1/workflow-runs/${failedRunId}/retry`).set(auth()).expect(202);
    await events.untilTerminal(retried.body.runId);
    const completed = await api().post(`/v1/workflow-runs/${retried.body.runId}/retry`).set(auth()).expect(409);
    expect(completed.body.message).toMatch(/COMPLETED/);
    await api().post('/v1/workflow-runs/run_unknown/retry').set(auth()).expect(404);
  });

  it('makes one retry run however often, or however concurrently, it is asked', async () => {
    const failedRunId = await failedRun('cal@example.com');
    notifyHealthy = true;
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => api().post(`/v1/workflow-runs/${failedRunId}/retry`).set(auth())),
    );
    expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202, 202]);
    expect(new Set(answers.map((answer) => answer.body.runId)).size).toBe(1);
    const retryRunId = answers[0].body.runId;
    await events.untilTerminal(retryRunId);
    expect(callsFor('/notify', retryRunId)).toHaveLength(1);
    const started = (await events.of(retryRunId)).filter((event) => event.type === 'WORKFLOW_RUN_STARTED');
    expect(started).toHaveLength(1);
  });

  it('moves the contact claim to the retry: a new start of the same contact is skipped while it runs', async () => {
    const failedRunId = await failedRun('dee@example.com');
    notifyHealthy = true;
    notifyDelayMs = 2000;
    try {
      const retried = await api().post(`/v1/workflow-runs/${failedRunId}/retry`).set(auth()).expect(202);
      const retryRunId: string = retried.body.runId;
      await waitFor(() => callsFor('/notify', retryRunId).length === 1, { what: 'the retry to be under way' });
      await api()
        .post(`/v1/workflows/${workflowId}/runs`)
        .set(auth())
        .send({ triggerSource: 'API', contacts: [{ email: 'dee@example.com' }] })
        .expect(202);
      const skip = await waitFor(() => platform.events.about('WORKFLOW_CONTACT_RESOLUTION_SKIPPED', retryRunId), {
        what: 'the skip naming the retry run',
      });
      // The skip names the run that holds the candidate (recordId): the retry.
      expect(skip.data).toMatchObject({ recordId: retryRunId, existingRunStatus: 'RUNNING' });
      await events.untilTerminal(retryRunId);
    } finally {
      notifyDelayMs = 0;
    }
  });

  it('refuses to retry a run of an archived workflow', async () => {
    const failedRunId = await failedRun('eve@example.com');
    await api().post(`/v1/workflows/${workflowId}/archive`).set(auth()).expect(200);
    const refused = await api().post(`/v1/workflow-runs/${failedRunId}/retry`).set(auth()).expect(409);
    expect(refused.body.message).toMatch(/archived/);
  });
});
