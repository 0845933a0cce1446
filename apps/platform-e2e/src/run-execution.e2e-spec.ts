import request from 'supertest';
import { MongoClient } from 'mongodb';
import { WorkflowEventType } from '@wfp/contracts';
import { Platform, TEST_MESSAGING_SECRET, waitFor } from '@wfp/testing';
import { signedHeaders } from '@wfp/webhook-signature';
import { createOrganization, schemaErrors } from './support/fixtures';
import { HttpReceiver } from './support/http-receiver';
import { RunEvents } from './support/run-events';

/**
 * Runs executed end to end: gateway → processor (with the messaging simulator and a real HTTP
 * receiver for webhook nodes) → the events emitted, checked field by field and against the
 * catalogue's JSON Schemas, for each terminal outcome and error code.
 */
describe('workflow-processor executes runs (real RabbitMQ, FerretDB, messaging simulator, HTTP receiver)', () => {
  let platform: Platform;
  let mongo: MongoClient;
  let receiver: HttpReceiver;
  let events: RunEvents;
  let org: { id: string; apiKey: string };

  const api = () => request(platform.apiUrl);
  const auth = () => ({ Authorization: `Bearer ${org.apiKey}` });

  const screen = (transitions: Record<string, string | null>) => ({
    id: 'screen',
    type: 'screeningOutreach',
    label: 'Screen availability',
    config: {
      channels: ['sms'],
      replyWindowSeconds: 3600,
      questions: [{ slug: 'nmc-pin', text: 'Are you NMC registered?', preferredAnswer: 'IS_YES' }],
    },
    transitions,
  });

  /** screen → check (passed?) → notify (webhook) → done (output); failed screening → reject. */
  function screeningGraph(
    notify: Record<string, unknown> = {},
    notifyTransitions: Record<string, string | null> = { onSuccess: 'done' },
  ) {
    return {
      inputs: { jobTitle: { type: 'string', required: true } },
      startNodeId: 'screen',
      nodes: [
        screen({ onComplete: 'check' }),
        {
          id: 'check',
          type: 'condition',
          config: {
            branches: [
              {
                when: { all: [{ path: 'nodes.screen.outcome.status', op: 'eq', value: 'PASSED_CRITERIA' }] },
                target: 'notify',
              },
            ],
            else: 'reject',
          },
        },
        {
          id: 'notify',
          type: 'webhook',
          label: 'Tell HR',
          config: {
            method: 'POST',
            url: `${receiver.url}/ok`,
            headers: { 'x-run': '{{run.id}}' },
            contentType: 'json',
            body: {
              candidate: '{{run.candidateProfileId}}',
              job: '{{inputs.jobTitle}}',
              answer: '{{nodes.screen.answers.nmc-pin.answerState}}',
            },
            timeoutSeconds: 2,
            retries: 1,
            setVariables: [{ name: 'data.id', variable: 'ticketId' }],
            ...notify,
          },
          transitions: notifyTransitions,
        },
        {
          id: 'reject',
          type: 'engagementOutreach',
          config: { channels: ['email'], questions: [] },
          transitions: { onComplete: null },
        },
        { id: 'done', type: 'output', config: { value: { ticket: '{{vars.ticketId}}', job: '{{inputs.jobTitle}}' } } },
      ],
    };
  }

  async function publish(
    definition: object,
    externalId = 'e2e-runs',
  ): Promise<{ workflowId: string; workflowVersionId: string }> {
    const created = await api()
      .post('/v1/workflows')
      .set(auth())
      .send({ name: 'runs', externalId, definition })
      .expect(201);
    const version = await api().post(`/v1/workflows/${created.body.id}/publish`).set(auth()).expect(201);
    return { workflowId: created.body.id, workflowVersionId: version.body.workflowVersionId };
  }

  async function startRun(
    workflowId: string,
    candidateProfileId: string,
    inputs: object = { jobTitle: 'RGN' },
  ): Promise<string> {
    const accepted = await api()
      .post(`/v1/workflows/${workflowId}/runs`)
      .set(auth())
      .send({ triggerSource: 'API', candidateProfileIds: [candidateProfileId], inputs })
      .expect(202);
    return accepted.body.runIds[0];
  }

  function pick(data: Record<string, unknown>, keys: string[]): Record<string, unknown> {
    return Object.fromEntries(keys.map((key) => [key, data[key]]));
  }

  function expectSchemaValid(stored: { type: string; data: unknown }[]): void {
    for (const event of stored) {
      expect({ type: event.type, errors: schemaErrors(event.type as WorkflowEventType, event.data) }).toEqual({
        type: event.type,
        errors: [],
      });
    }
  }

  beforeAll(async () => {
    receiver = await HttpReceiver.start();
    receiver.on('/ok', () => ({ status: 201, body: { data: { id: 'T-42' } } }));
    receiver.on('/client-error', () => ({ status: 422, body: { error: 'bad' } }));
    receiver.on('/server-error', () => ({ status: 503 }));
    receiver.on('/xml', () => ({ status: 200, body: { ok: true } }));
    platform = await Platform.start();
    mongo = await MongoClient.connect(platform.mongoServerUrl);
    events = new RunEvents(platform.events);
    org = await createOrganization(platform.apiUrl, 'Runs Ltd');
  });

  afterAll(async () => {
    await mongo?.close();
    await platform?.stop();
    await receiver?.stop();
  });

  it('completes a run through outreach, condition, webhook and output, with every event as the catalogue says', async () => {
    const { workflowId, workflowVersionId } = await publish(screeningGraph());
    const runId = await startRun(workflowId, 'cp_pass_1');
    const { terminal, events: all } = await events.untilTerminal(runId);

    expect(all.map((event) => [event.type, event.data.nodeId ?? null])).toEqual([
      ['WORKFLOW_CONTACT_RESOLVED', null],
      ['WORKFLOW_RUN_STARTED', null],
      ['WORKFLOW_NODE_COMPLETED', 'screen'],
      ['WORKFLOW_NODE_COMPLETED', 'check'],
      ['WORKFLOW_NODE_COMPLETED', 'notify'],
      ['WORKFLOW_NODE_COMPLETED', 'done'],
      ['WORKFLOW_RUN_COMPLETED', null],
    ]);
    expectSchemaValid(all);
    const correlation = {
      recordId: runId,
      organizationId: org.id,
      workflowId,
      workflowVersionId,
      workflowExternalId: 'e2e-runs',
      candidateProfileId: 'cp_pass_1',
      candidateProfileExternalId: null,
      timestamp: expect.any(String),
    };
    expect(terminal.data).toEqual({
      ...correlation,
      startedAt: all[1].data.timestamp,
      completedAt: expect.any(String),
      finalNodeId: 'done',
      outcome: 'completed',
      truncated: false,
      // The flat node fields of each WORKFLOW_NODE_COMPLETED are exactly the nodes[] entries.
      nodes: all
        .slice(2, 6)
        .map((event) =>
          pick(event.data, ['nodeId', 'nodeType', 'enteredAt', 'completedAt', 'routingEvent', 'outcome']),
        ),
    });
    const [screenNode, checkNode, notifyNode, doneNode] = terminal.data.nodes;
    expect(screenNode).toEqual({
      nodeId: 'screen',
      nodeType: 'SCREENING_OUTREACH',
      enteredAt: expect.any(String),
      completedAt: expect.any(String),
      routingEvent: 'onComplete',
      outcome: {
        kind: 'conversation',
        conversationId: expect.stringMatching(/^conv_/),
        status: 'PASSED_CRITERIA',
        completedAt: expect.any(String),
        answers: [
          {
            slug: 'nmc-pin',
            answer: 'Yes',
            answerState: 'IS_YES',
            trafficLight: 'GREEN',
            outcome: 'PASSED',
            score: 100,
          },
        ],
      },
    });
    expect(checkNode).toMatchObject({
      nodeType: 'CONDITION',
      routingEvent: 'onConditionResolved',
      outcome: { kind: 'condition', targetNodeId: 'notify', targetNodeLabel: 'Tell HR' },
    });
    expect(JSON.stringify(checkNode)).not.toContain('PASSED_CRITERIA'); // the expression is never exposed
    expect(notifyNode).toMatchObject({ nodeType: 'WEBHOOK', routingEvent: 'onSuccess', outcome: { kind: 'empty' } });
    expect(doneNode).toMatchObject({ nodeType: 'OUTPUT', routingEvent: 'onComplete' });

    const call = receiver.requestsTo('/ok').find((entry) => entry.headers['x-run'] === runId);
    expect(JSON.parse(call?.body ?? '{}')).toEqual({ candidate: 'cp_pass_1', job: 'RGN', answer: 'IS_YES' });
    expect(call?.headers['idempotency-key']).toBe(`${runId}:notify:1`);

    const run = await api().get(`/v1/workflow-runs/${runId}`).set(auth()).expect(200);
    expect(run.body).toMatchObject({
      id: runId,
      runId,
      status: 'COMPLETED',
      outcome: 'completed',
      output: { ticket: 'T-42', job: 'RGN' },
      outputReached: true,
    });
    // Listed runs name their id as every resource does, with runId beside it.
    const listed = await api().get(`/v1/workflow-runs?workflowId=${run.body.workflowId}`).set(auth()).expect(200);
    expect(listed.body.data).toEqual(expect.arrayContaining([expect.objectContaining({ id: runId, runId })]));
    expect(run.body.context.traverse.order).toEqual(['screen', 'check', 'notify', 'done']);
    expect(run.body.context.traverse.stepsInfo.notify).toEqual({
      name: 'Tell HR',
      type: 'webhook',
      createdAt: expect.any(String),
    });
    expect(run.body.context.traverse.steps.notify).toMatchObject({ statusCode: 201, body: { data: { id: 'T-42' } } });
    expect(run.body.context.initialize).toEqual({ inputs: { jobTitle: 'RGN' } });
  });

  it('follows the else branch when screening fails', async () => {
    const { workflowId } = await publish(screeningGraph());
    const runId = await startRun(workflowId, 'cp_fail_1');
    const { terminal } = await events.untilTerminal(runId);
    expect(terminal.data.nodes.map((node: { nodeId: string }) => node.nodeId)).toEqual(['screen', 'check', 'reject']);
    expect(terminal.data.nodes[0].outcome.status).toBe('FAILED_CRITERIA');
    expect(terminal.data).toMatchObject({ outcome: 'completed', finalNodeId: 'reject' });
  });

  it.each([
    ['cp_optout_1', 'opted_out', 'onOptOut', 'OPTED_OUT'],
    ['cp_deliveryfail_1', 'delivery_failed', 'onDeliveryFailed', 'DELIVERY_FAILED'],
  ])(
    'ends with outcome %s when the outreach has no transition for it',
    async (candidate, outcome, routingEvent, status) => {
      const { workflowId } = await publish(screeningGraph());
      const runId = await startRun(workflowId, candidate);
      const { terminal, events: all } = await events.untilTerminal(runId);
      expect(terminal.type).toBe('WORKFLOW_RUN_COMPLETED');
      expect(terminal.data).toMatchObject({ outcome, finalNodeId: 'screen', truncated: false });
      expect(terminal.data.nodes).toEqual([
        expect.objectContaining({
          nodeId: 'screen',
          routingEvent,
          outcome: expect.objectContaining({ status, answers: [] }),
        }),
      ]);
      expectSchemaValid(all);
    },
  );

  it.each([
    ['/server-error', 'DOWNSTREAM_SERVICE_ERROR', 2],
    ['/client-error', 'EXECUTOR_FAILED', 1],
  ])('fails with the right code when the webhook node gets %s and has no onFailure', async (path, errorCode, calls) => {
    const { workflowId } = await publish(
      screeningGraph({ url: `${receiver.url}${path}`, headers: { 'x-run': '{{run.id}}' } }),
    );
    const runId = await startRun(workflowId, 'cp_pass_2');
    const { terminal, events: all } = await events.untilTerminal(runId);
    expect(terminal.type).toBe('WORKFLOW_RUN_FAILED');
    expect(terminal.data).toMatchObject({
      outcome: 'failed',
      errorCode,
      lastFailedNodeId: 'notify',
      finalNodeId: 'notify',
    });
    expect(terminal.data).not.toHaveProperty('errorClass');
    expect(terminal.data.nodes.at(-1)).toMatchObject({
      nodeId: 'notify',
      routingEvent: 'onFailure',
      outcome: { kind: 'empty' },
    });
    expectSchemaValid(all);
    // 5xx is retried (retries: 1), a 4xx is not
    expect(receiver.requestsTo(path).filter((entry) => entry.headers['x-run'] === runId)).toHaveLength(calls);
    const run = await api().get(`/v1/workflow-runs/${runId}`).set(auth()).expect(200);
    expect(run.body).toMatchObject({ status: 'FAILED', errorCode, lastFailedNodeId: 'notify' });
  });

  it('lets an onFailure transition handle a webhook failure', async () => {
    const { workflowId } = await publish(
      screeningGraph({ url: `${receiver.url}/client-error` }, { onSuccess: 'done', onFailure: 'reject' }),
    );
    const runId = await startRun(workflowId, 'cp_pass_3');
    const { terminal } = await events.untilTerminal(runId);
    expect(terminal.data).toMatchObject({ outcome: 'completed', finalNodeId: 'reject' });
  });

  it('fails with DOWNSTREAM_SERVICE_ERROR when the messaging service keeps refusing', async () => {
    const { workflowId } = await publish(screeningGraph());
    const runId = await startRun(workflowId, 'cp_msgerror_1');
    const { terminal, events: all } = await events.untilTerminal(runId);
    expect(terminal.data).toMatchObject({
      outcome: 'failed',
      errorCode: 'DOWNSTREAM_SERVICE_ERROR',
      lastFailedNodeId: 'screen',
    });
    expectSchemaValid(all);
  });

  it('refuses to publish a webhook node whose URL lets a template form the host or port', async () => {
    for (const url of ['https://{{inputs.jobTitle}}/hook', 'http://hr.example:8080{{inputs.jobTitle}}']) {
      const created = await api()
        .post('/v1/workflows')
        .set(auth())
        .send({ name: 'runs', externalId: 'e2e-bad-url', definition: screeningGraph({ url }) })
        .expect(201);
      const response = await api().post(`/v1/workflows/${created.body.id}/publish`).set(auth());
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(JSON.stringify(response.body)).toContain('templates may only follow the host and port');
    }
  });

  it('fails with INVALID_NODE_CONFIG when a node cannot run with the run’s data', async () => {
    // A value may fill the path, but not climb above what the URL writes out.
    const { workflowId } = await publish(screeningGraph({ url: 'https://hr.example/hooks/{{inputs.jobTitle}}' }));
    const runId = await startRun(workflowId, 'cp_pass_4', { jobTitle: '..' });
    const { terminal } = await events.untilTerminal(runId);
    expect(terminal.data).toMatchObject({
      outcome: 'failed',
      errorCode: 'INVALID_NODE_CONFIG',
      lastFailedNodeId: 'notify',
    });
  });

  it('fires EXECUTOR_TIMEOUT from the stored timer, even after a processor restart', async () => {
    const { workflowId } = await publish(screeningGraph());
    const runId = await startRun(workflowId, 'cp_noreply_1');
    const runs = mongo.db(platform.databases['workflow-processor']).collection('runs');
    await waitFor(() => runs.findOne({ _id: runId as never, 'waiting.nodeId': 'screen' }), { what: 'the run to wait' });
    // The processor dies while the run waits; the timer is stored, so a new instance fires it.
    await platform.crashAndRestart('workflow-processor');
    // The reply window (an hour) passes: move the stored wait and its timer into the past.
    const past = new Date(Date.now() - 1000);
    await runs.updateOne({ _id: runId as never }, { $set: { wakeAt: past } });
    const timers = mongo.db(platform.databases['workflow-processor']).collection('run_timers');
    expect((await timers.updateOne({ _id: runId as never }, { $set: { wakeAt: past } })).matchedCount).toBe(1);
    const { terminal, events: all } = await events.untilTerminal(runId);
    expect(terminal.data).toMatchObject({
      outcome: 'failed',
      errorCode: 'EXECUTOR_TIMEOUT',
      lastFailedNodeId: 'screen',
      finalNodeId: 'screen',
    });
    expect(terminal.data.nodes).toEqual([
      expect.objectContaining({ nodeId: 'screen', routingEvent: 'onTimeout', outcome: { kind: 'empty' } }),
    ]);
    expectSchemaValid(all);
  });

  it('cancels a waiting run through the API; it runs no further node', async () => {
    const { workflowId } = await publish(screeningGraph());
    const runId = await startRun(workflowId, 'cp_noreply_2');
    const runs = mongo.db(platform.databases['workflow-processor']).collection('runs');
    await waitFor(() => runs.findOne({ _id: runId as never, 'waiting.nodeId': 'screen' }), { what: 'the run to wait' });
    const accepted = await api()
      .post(`/v1/workflow-runs/${runId}/cancel`)
      .set(auth())
      .send({ reason: 'Candidate withdrew via ATS' })
      .expect(202);
    expect(accepted.body).toEqual({ runId, status: 'CANCELLING' });
    const { terminal, events: all } = await events.untilTerminal(runId);
    expect(terminal.type).toBe('WORKFLOW_RUN_CANCELLED');
    expect(terminal.data).toMatchObject({
      outcome: 'cancelled',
      cancellationReason: 'Candidate withdrew via ATS',
      truncated: false,
      nodes: [],
    });
    expect(all.filter((event) => event.type === 'WORKFLOW_NODE_COMPLETED')).toEqual([]);
    expectSchemaValid(all);
    const second = await api().post(`/v1/workflow-runs/${runId}/cancel`).set(auth()).send({}).expect(409);
    expect(second.body.message).toContain('CANCELLED');
    const run = await api().get(`/v1/workflow-runs/${runId}`).set(auth()).expect(200);
    expect(run.body).toMatchObject({
      status: 'CANCELLED',
      outcome: 'cancelled',
      cancellationReason: 'Candidate withdrew via ATS',
    });
  });

  it('sends XML and form bodies with templates', async () => {
    const xml = await publish(
      screeningGraph({
        url: `${receiver.url}/xml`,
        contentType: 'xml',
        body: '<c id="{{run.candidateProfileId}}"><job>{{inputs.jobTitle}}</job></c>',
        headers: { 'x-run': '{{run.id}}' },
        setVariables: [],
      }),
    );
    const xmlRun = await startRun(xml.workflowId, 'cp_pass_xml');
    await events.untilTerminal(xmlRun);
    const xmlCall = receiver.requestsTo('/xml').find((entry) => entry.headers['x-run'] === xmlRun);
    expect(xmlCall?.headers['content-type']).toBe('application/xml');
    expect(xmlCall?.body).toBe('<c id="cp_pass_xml"><job>RGN</job></c>');

    const form = await publish(
      screeningGraph({
        url: `${receiver.url}/xml`,
        contentType: 'form',
        body: { candidate: '{{run.candidateProfileId}}', job: '{{inputs.jobTitle}}' },
        headers: { 'x-run': '{{run.id}}' },
        setVariables: [],
      }),
    );
    const formRun = await startRun(form.workflowId, 'cp_pass_form');
    await events.untilTerminal(formRun);
    const formCall = receiver.requestsTo('/xml').find((entry) => entry.headers['x-run'] === formRun);
    expect(formCall?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(formCall?.body).toBe('candidate=cp_pass_form&job=RGN');
  });

  it('lists runs through the gateway by workflow and status, and hides other organizations’ runs', async () => {
    const { workflowId } = await publish(screeningGraph());
    const done = await startRun(workflowId, 'cp_pass_list');
    await events.untilTerminal(done);
    const listed = await api()
      .get('/v1/workflow-runs')
      .query({ workflowId, status: 'COMPLETED' })
      .set(auth())
      .expect(200);
    expect(listed.body.data.map((run: { runId: string }) => run.runId)).toEqual([done]);
    const other = await createOrganization(platform.apiUrl, 'Nosy');
    await api().get(`/v1/workflow-runs/${done}`).set('Authorization', `Bearer ${other.apiKey}`).expect(404);
    await api()
      .post(`/v1/workflow-runs/${done}/cancel`)
      .set('Authorization', `Bearer ${other.apiKey}`)
      .send({})
      .expect(404);
  });

  it('acts on a signed outcome for its own conversation only, and once per webhook-id', async () => {
    const { workflowId } = await publish(screeningGraph());
    const runs = mongo.db(platform.databases['workflow-processor']).collection('runs');
    const waitingOn = async (candidate: string) => {
      const runId = await startRun(workflowId, candidate);
      const run = await waitFor(() => runs.findOne({ _id: runId as never, 'waiting.nodeId': 'screen' }), {
        what: `${runId} to wait`,
      });
      return {
        runId,
        conversationId: (run as unknown as { waiting: { conversationId: string } }).waiting.conversationId,
      };
    };
    const first = await waitingOn('cp_noreply_cb1');
    const second = await waitingOn('cp_noreply_cb2');
    const outcome = {
      conversationId: first.conversationId,
      status: 'PASSED_CRITERIA',
      answers: [],
      completedAt: new Date().toISOString(),
    };
    const body = JSON.stringify(outcome);
    const signed = {
      'content-type': 'application/json',
      ...signedHeaders('msg_cb_1', Math.floor(Date.now() / 1000), body, [TEST_MESSAGING_SECRET]),
    };
    const post = (conversationId: string, headers: Record<string, string>, payload: string) =>
      api().post(`/v1/conversations/${conversationId}/outcome`).set(headers).send(payload);

    // Captured and sent to another conversation: the signed body names the first one.
    const moved = await post(second.conversationId, signed, body).expect(401);
    expect(moved.body.message).toMatch(/another conversation/);
    // Without the conversation in the signed body: refused, naming the field.
    const { conversationId: _dropped, ...unnamed } = outcome;
    const unnamedBody = JSON.stringify(unnamed);
    const withoutName = await post(
      first.conversationId,
      {
        'content-type': 'application/json',
        ...signedHeaders('msg_cb_0', Math.floor(Date.now() / 1000), unnamedBody, [TEST_MESSAGING_SECRET]),
      },
      unnamedBody,
    ).expect(400);
    expect(withoutName.body.message).toMatch(/conversationId/);

    await post(first.conversationId, signed, body).expect(200, { status: 'resumed' });
    // The same callback again (a replay within the signature's tolerance): refused.
    const replay = await post(first.conversationId, signed, body).expect(409);
    expect(replay.body.message).toMatch(/received already/);
    // The same outcome in a new callback (new webhook-id): the DESIGN.md no-op.
    await post(
      first.conversationId,
      {
        'content-type': 'application/json',
        ...signedHeaders('msg_cb_2', Math.floor(Date.now() / 1000), body, [TEST_MESSAGING_SECRET]),
      },
      body,
    ).expect(200, { status: 'already-applied' });

    await events.untilTerminal(first.runId);
    const stillWaiting = await runs.findOne({ _id: second.runId as never });
    expect(stillWaiting).toMatchObject({ status: 'RUNNING', waiting: { conversationId: second.conversationId } });
    await api().post(`/v1/workflow-runs/${second.runId}/cancel`).set(auth()).send({}).expect(202);
  });

  it('refuses outcome callbacks that are not signed by the messaging service', async () => {
    const body = {
      conversationId: 'conv_x',
      status: 'PASSED_CRITERIA',
      answers: [],
      completedAt: new Date().toISOString(),
    };
    const unsigned = await api().post('/v1/conversations/conv_x/outcome').send(body).expect(401);
    expect(unsigned.body.message).toContain('signature');
    await api()
      .post('/v1/conversations/conv_x/outcome')
      .set({
        'webhook-id': 'msg_1',
        'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
        'webhook-signature': 'v1,AAAA',
      })
      .send(body)
      .expect(401);
  });
});
