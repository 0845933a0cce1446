import request from 'supertest';
import { Platform, waitFor } from '@wfp/testing';
import { createOrganization, schemaErrors, screeningDefinition } from './support/fixtures';
import { HttpReceiver } from './support/http-receiver';
import { parsedWebhook, verifiedWebhook } from './support/webhook-sink';

/** The four end states of seeds/callable-workflows-demo.txt, as definitions against a local receiver. */
function definitions(receiverUrl: string) {
  const inputs = { conversationId: { type: 'string', required: true } };
  const createNote = (path: string, transitions: Record<string, string | null>) => ({
    id: 'create-note',
    type: 'webhook',
    config: {
      method: 'POST',
      url: `${receiverUrl}${path}`,
      contentType: 'json',
      body: { conversationId: '{{inputs.conversationId}}', body: 'New note from a called workflow' },
      timeoutSeconds: 5,
      retries: 0,
      setVariables: [{ name: 'data.id', variable: 'noteId' }],
    },
    transitions,
  });
  return {
    success: {
      inputs,
      startNodeId: 'create-note',
      nodes: [
        createNote('/notes', { onSuccess: 'respond' }),
        {
          id: 'respond',
          type: 'output',
          config: { value: { noteId: '{{vars.noteId}}', conversationId: '{{inputs.conversationId}}' } },
        },
      ],
    },
    outputNotReached: {
      inputs,
      startNodeId: 'branch',
      nodes: [
        {
          id: 'branch',
          type: 'condition',
          config: {
            branches: [
              { when: { all: [{ path: 'inputs.conversationId', op: 'eq', value: 'vip' }] }, target: 'respond' },
            ],
            else: null,
          },
        },
        { id: 'respond', type: 'output', config: { value: { vip: true } } },
      ],
    },
    userError: {
      inputs,
      startNodeId: 'create-note',
      nodes: [
        createNote('/bad-request', { onSuccess: 'respond' }),
        { id: 'respond', type: 'output', config: { value: 1 } },
      ],
    },
    systemError: {
      inputs,
      startNodeId: 'create-note',
      nodes: [createNote('/broken', { onSuccess: 'respond' }), { id: 'respond', type: 'output', config: { value: 1 } }],
    },
    screening: screeningDefinition,
    echo: {
      inputs,
      startNodeId: 'respond',
      nodes: [{ id: 'respond', type: 'output', config: { value: { echo: '{{inputs.conversationId}}' } } }],
    },
  };
}

describe('callable workflows: call with inputs, get the output synchronously or by webhook', () => {
  let platform: Platform;
  let receiver: HttpReceiver;
  let apiKey: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    receiver = await HttpReceiver.start();
    let notes = 0;
    receiver.on('/notes', () => ({ status: 201, body: { data: { id: `note_${(notes += 1)}` } } }));
    receiver.on('/bad-request', () => ({ status: 400, body: { error: 'email address is invalid' } }));
    receiver.on('/broken', () => ({ status: 500, body: { error: 'NullPointerException at line 42' } }));
    receiver.on('/results', () => ({ status: 204 }));
    let flaky = 0;
    receiver.on('/flaky-results', () => ({ status: (flaky += 1) === 1 ? 503 : 204 }));
    receiver.on('/caller-results', () => ({ status: 204 }));
    platform = await Platform.start({
      'workflow-api': { CALL_MAX_WAIT_SECONDS: '120' },
      'webhook-dispatcher': { WEBHOOK_RETRY_SCHEDULE: '0,200ms,200ms' },
    });
    ({ apiKey } = await createOrganization(platform.apiUrl, 'Callers Inc'));
    for (const [name, definition] of Object.entries(definitions(receiver.url))) {
      const created = await api().post('/v1/workflows').set(auth()).send({ name, definition }).expect(201);
      await api().post(`/v1/workflows/${created.body.id}/publish`).set(auth()).expect(201);
      ids[name] = created.body.id;
    }
  });

  afterAll(async () => {
    await platform?.stop();
    await receiver?.stop();
  });

  const api = () => request(platform.apiUrl);
  const auth = () => ({ Authorization: `Bearer ${apiKey}` });
  const call = (workflow: string, body: Record<string, unknown>, wait?: number) =>
    api()
      .post(`/v1/workflows/${ids[workflow]}/call`)
      .query(wait === undefined ? {} : { wait })
      .set(auth())
      .send(body);

  async function resultLater(runId: string) {
    return waitFor(
      async () => {
        const run = await api().get(`/v1/workflow-runs/${runId}`).set(auth()).expect(200);
        return run.body.callResult ? run.body : null;
      },
      { what: `the result of ${runId}` },
    );
  }

  it('output_reached: answers the rendered output when the run ends within the wait', async () => {
    const answer = await call('success', { inputs: { conversationId: 'conv_1' } }, 20).expect(200);
    expect(answer.body).toEqual({
      runId: expect.stringMatching(/^run_/),
      status: 'output_reached',
      output: { noteId: expect.stringMatching(/^note_\d+$/), conversationId: 'conv_1' },
    });
    const note = receiver.requestsTo('/notes').find((r) => JSON.parse(r.body).conversationId === 'conv_1');
    expect(note).toBeDefined();
    // GET gives the same result later; the run is a called one, with no candidate.
    const run = await resultLater(answer.body.runId);
    expect(run.callResult).toEqual({ status: answer.body.status, output: answer.body.output });
    expect(run).toMatchObject({ status: 'COMPLETED', triggerSource: 'CALL', candidateProfileId: null });
  });

  it('output_not_reached: the run ended on a branch without an output node', async () => {
    const answer = await call('outputNotReached', { inputs: { conversationId: 'regular' } }, 20).expect(200);
    expect(answer.body).toEqual({ runId: expect.any(String), status: 'output_not_reached' });
    const reached = await call('outputNotReached', { inputs: { conversationId: 'vip' } }, 20).expect(200);
    expect(reached.body).toMatchObject({ status: 'output_reached', output: { vip: true } });
  });

  it('user_error: a webhook node got a 4xx; the error names the node and status, not the answer text', async () => {
    const answer = await call('userError', { inputs: { conversationId: 'conv_2' } }, 20).expect(200);
    expect(answer.body).toEqual({
      runId: expect.any(String),
      status: 'user_error',
      error: { code: 'EXECUTOR_FAILED', nodeId: 'create-note', statusCode: 400 },
    });
    expect(JSON.stringify(answer.body)).not.toContain('invalid');
  });

  it('system_error: a 5xx after the node’s retries', async () => {
    const answer = await call('systemError', { inputs: { conversationId: 'conv_3' } }, 20).expect(200);
    expect(answer.body).toEqual({
      runId: expect.any(String),
      status: 'system_error',
      error: { code: 'DOWNSTREAM_SERVICE_ERROR', nodeId: 'create-note', statusCode: 500 },
    });
    expect(JSON.stringify(answer.body)).not.toContain('NullPointer');
  });

  it('user_error when a node cannot run on inputs alone (outreach has no candidate to contact)', async () => {
    const answer = await call('screening', { inputs: {} }, 20).expect(200);
    expect(answer.body).toEqual({
      runId: expect.any(String),
      status: 'user_error',
      error: { code: 'INVALID_NODE_CONFIG', nodeId: 'screen', statusCode: null },
    });
  });

  it('a called run emits the catalogue’s run events, with a null candidate', async () => {
    receiver.on('/run-events', () => ({ status: 200 }));
    await api()
      .post('/v1/webhook-endpoints')
      .set(auth())
      .send({ url: `${receiver.url}/run-events`, eventTypes: ['WORKFLOW_RUN_STARTED', 'WORKFLOW_RUN_COMPLETED'] })
      .expect(201);
    const answer = await call('echo', { inputs: { conversationId: 'events' } }, 20).expect(200);
    const events = await waitFor(
      () => {
        const mine = receiver
          .requestsTo('/run-events')
          .map(parsedWebhook)
          .filter((webhook) => webhook.data.recordId === answer.body.runId);
        return mine.length === 2 ? mine : null;
      },
      { what: 'the run events of the call' },
    );
    for (const event of events) {
      expect(event.data.candidateProfileId).toBeNull();
      expect(schemaErrors(event.event as never, event.data)).toEqual([]);
    }
  });

  it('answers 202 at once without a wait, and the result is read later', async () => {
    const answer = await call('success', { inputs: { conversationId: 'conv_later' } }).expect(202);
    expect(answer.body).toEqual({ runId: expect.stringMatching(/^run_/) });
    const run = await resultLater(answer.body.runId);
    expect(run.callResult).toMatchObject({ status: 'output_reached', output: { conversationId: 'conv_later' } });
  });

  it('validates inputs against the declared ones and the wait against its maximum, naming the field', async () => {
    const missing = await call('success', { inputs: {} }).expect(400);
    expect(missing.body.details).toEqual([
      { field: 'inputs.conversationId', message: 'inputs.conversationId is required' },
    ]);
    const wrong = await call('success', { inputs: { conversationId: 7, extra: true } }).expect(400);
    expect(wrong.body.details.map((detail: { field: string }) => detail.field)).toEqual([
      'inputs.conversationId',
      'inputs.extra',
    ]);
    const tooLong = await call('success', { inputs: { conversationId: 'c' } }, 121).expect(400);
    expect(tooLong.body.details).toEqual([{ field: 'wait', message: 'wait must be between 0 and 120 seconds' }]);
    await call('success', { input: {} }).expect(400);
    await api().post('/v1/workflows/wf_missing/call').set(auth()).send({ inputs: {} }).expect(404);
  });

  it('posts the result to the URL of a registered endpoint signed with that endpoint’s secret, responseMeta echoed', async () => {
    const endpoint = await api()
      .post('/v1/webhook-endpoints')
      .set(auth())
      .send({ url: `${receiver.url}/results`, eventTypes: ['WORKFLOW_PUBLISHED'] })
      .expect(201);
    const responseMeta = { webhook: '******** YEEEEEE BOIIIII ********', nested: { n: 1 } };
    const answer = await call('success', {
      inputs: { conversationId: 'conv_hook', webhookUrl: `${receiver.url}/results` },
      responseMeta,
    }).expect(202);
    const delivered = await waitFor(() => receiver.requestsTo('/results')[0], { what: 'the call result delivery' });
    const webhook = verifiedWebhook(delivered, endpoint.body.secret);
    expect(webhook.event).toBe('WORKFLOW_CALL_RESULT');
    expect(webhook.data).toEqual({
      runId: answer.body.runId,
      workflowId: ids['success'],
      workflowVersionId: expect.stringMatching(/^wfv_/),
      status: 'output_reached',
      output: { noteId: expect.any(String), conversationId: 'conv_hook' },
      responseMeta,
    });
    const log = await api().get(`/v1/webhook-endpoints/${endpoint.body.id}/deliveries`).set(auth()).expect(200);
    expect(log.body.data.map((d: { eventType: string }) => d.eventType)).toEqual(['WORKFLOW_CALL_RESULT']);
  });

  it('posts the result to any allowed URL, retried, logged and signed with the organization’s call-result secret', async () => {
    const responseMeta = { ticket: 'T-1' };
    const answer = await call('success', {
      inputs: { conversationId: 'conv_any', webhookUrl: `${receiver.url}/flaky-results?bin=1` },
      responseMeta,
    }).expect(202);

    // The first attempt gets a 503; the retry succeeds.
    const [failed, delivered] = await waitFor(
      () => {
        const received = receiver.requestsTo('/flaky-results');
        return received.length >= 2 ? received : null;
      },
      { what: 'the call result, sent twice' },
    );
    expect(delivered.headers['webhook-id']).toBe(failed.headers['webhook-id']);
    const secret = await api().post('/v1/workflow-calls/signing-secret').set(auth()).expect(200);
    expect(secret.body.secret).toMatch(/^whsec_/);
    const webhook = verifiedWebhook(delivered, secret.body.secret);
    expect(webhook.event).toBe('WORKFLOW_CALL_RESULT');
    expect(webhook.data).toMatchObject({ runId: answer.body.runId, status: 'output_reached', responseMeta });
    expect(delivered.search).toBe('?bin=1');

    // Shown once; a rotation makes a new one, which signs from then on.
    const again = await api().post('/v1/workflow-calls/signing-secret').set(auth()).expect(409);
    expect(again.body.message).toMatch(/rotate/);
    const rotated = await api()
      .post('/v1/workflow-calls/signing-secret/rotate')
      .set(auth())
      .send({ gracePeriodSeconds: 0 })
      .expect(200);
    await call('success', {
      inputs: { conversationId: 'conv_rotated', webhookUrl: `${receiver.url}/caller-results` },
    }).expect(202);
    const next = await waitFor(() => receiver.requestsTo('/caller-results')[0], { what: 'the next call result' });
    expect(verifiedWebhook(next, rotated.body.secret).data).toMatchObject({ status: 'output_reached' });
    expect(() => verifiedWebhook(next, secret.body.secret)).toThrow();

    const log = await api().get('/v1/workflow-calls/deliveries').set(auth()).expect(200);
    const first = log.body.data.find((d: { url: string }) => d.url === `${receiver.url}/flaky-results?bin=1`);
    expect(first).toMatchObject({ eventType: 'WORKFLOW_CALL_RESULT', status: 'SUCCEEDED', attemptCount: 2 });
    expect(first.attempts.map((attempt: { statusCode: number }) => attempt.statusCode)).toEqual([503, 204]);
    // The sender is not one of the organization's endpoints.
    const endpoints = await api().get('/v1/webhook-endpoints').set(auth()).expect(200);
    expect(endpoints.body.data.map((e: { id: string }) => e.id)).not.toContain(first.endpointId);
    await api().get(`/v1/webhook-endpoints/${first.endpointId}`).set(auth()).expect(404);
  });

  it('refuses a result URL the address policy forbids, naming inputs.webhookUrl', async () => {
    for (const webhookUrl of [
      'http://169.254.169.254/latest/meta-data',
      'http://10.0.0.7/hook',
      'ftp://example.com/x',
    ]) {
      const refused = await call('success', { inputs: { conversationId: 'c', webhookUrl } });
      expect([400, 422]).toContain(refused.status);
      expect(refused.body.details[0].field).toBe('inputs.webhookUrl');
    }
    const privateAddress = await call('success', {
      inputs: { conversationId: 'c', webhookUrl: 'http://10.0.0.7/hook' },
    }).expect(422);
    expect(privateAddress.body.message).toMatch(/^inputs\.webhookUrl is not allowed/);
  });

  it('replays a call with the same Idempotency-Key instead of running it again', async () => {
    const first = await call('echo', { inputs: { conversationId: 'once' } }, 20)
      .set('Idempotency-Key', 'call-once-1')
      .expect(200);
    const again = await call('echo', { inputs: { conversationId: 'once' } }, 20)
      .set('Idempotency-Key', 'call-once-1')
      .expect(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
  });

  it('holds 200 concurrent waiting calls and answers each with its own output', async () => {
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, index) => call('echo', { inputs: { conversationId: `c${index}` } }, 110)),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(200).fill(200));
    expect(answers.map((answer) => answer.body.output.echo)).toEqual(answers.map((_, index) => `c${index}`));
    expect(new Set(answers.map((answer) => answer.body.runId)).size).toBe(200);
  }, 180_000);
});
