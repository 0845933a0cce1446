import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { MongoClient } from 'mongodb';
import {
  ALL_WORKFLOW_EVENT_TYPES,
  ConversationsOutcomeRequest,
  createEnvelope,
  eventSchema,
  RunsCancelCommand,
  RunsGetQuery,
  RunsStartCommand,
  VersionsRegisterCommand,
  WorkflowEventType,
  type ConversationsOutcomeResult,
  type MessageEnvelope,
  type RunView,
} from '@wfp/contracts';
import { MessagePublisherService, RpcClient } from '@wfp/messaging';
import { IsolatedInfra, MessagingSimulator, TEST_MESSAGING_SECRET, waitFor } from '@wfp/testing';
import { validateDefinitionForPublish, type WorkflowDefinition } from '@wfp/workflow-graph';
import { RunCancellerService, RunStarterService } from '@wfp/workflow-runs';
import { bootstrap } from '../src/bootstrap';

const ORG = 'org_engine';
const ajv = addFormats(new Ajv2020({ allErrors: true, strict: true }));
const TERMINAL_TYPES: string[] = [
  WorkflowEventType.RunCompleted,
  WorkflowEventType.RunFailed,
  WorkflowEventType.RunCancelled,
];

/** One request the local HTTP target received. */
interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** The run fields of a WORKFLOW_NODE_COMPLETED payload, as they also appear in a terminal event's nodes[]. */
const NODE_FIELDS = ['nodeId', 'nodeType', 'enteredAt', 'completedAt', 'routingEvent', 'outcome'] as const;
const nodeFieldsOf = (payload: Record<string, unknown>) =>
  Object.fromEntries(NODE_FIELDS.map((field) => [field, payload[field]]));

/**
 * The run engine as a service: workflow-processor booted in-process (the production bootstrap)
 * against RabbitMQ and FerretDB, driven the way the gateway drives it (versions.register and
 * runs.start / runs.cancel commands, runs.get and conversations.outcome requests), with a local
 * HTTP target for webhook nodes and the messaging simulator for outreach nodes. What is checked
 * is what leaves the service: its events (in order, each valid against the catalogue's JSON
 * Schema), the run it stores, and the calls it makes.
 */
describe('workflow-processor: the run engine end to end', () => {
  let isolated: IsolatedInfra;
  let app: INestApplication;
  let mongo: MongoClient;
  let target: Server;
  let targetUrl = '';
  let simulator: MessagingSimulator;
  const received: ReceivedRequest[] = [];
  /** Every event the namespace published, in the order the watch queue got them. */
  const recorded: MessageEnvelope[] = [];

  beforeAll(async () => {
    target = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const path = request.url ?? '/';
        received.push({
          method: request.method ?? '',
          path,
          headers: request.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        const status = /^\/status\/(\d{3})$/.exec(path);
        if (status) return response.writeHead(Number(status[1]), { 'content-type': 'application/json' }).end('{}');
        if (path === '/tickets')
          return response
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ data: { id: 'T-1001', tags: ['urgent', 'rn'] } }));
        // The messaging simulator's outcome callback, which the gateway would receive.
        if (/^\/v1\/conversations\/[^/]+\/outcome$/.test(path)) return response.writeHead(200).end('{}');
        response.writeHead(404).end();
      });
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
    simulator = await MessagingSimulator.start({
      callbackUrl: targetUrl,
      secret: TEST_MESSAGING_SECRET,
      replyDelayMs: 20,
    });

    isolated = await IsolatedInfra.create('run_engine');
    mongo = await MongoClient.connect(isolated.infra.mongoUrl);
    app = await bootstrap(
      isolated.serviceEnv({
        MESSAGING_URL: simulator.url,
        WORKFLOW_PROCESSOR_PORT: '0',
        ALLOW_LOOPBACK_TARGETS: 'true',
        OUTBOUND_RETRY_BACKOFF_MS: '20',
      }),
    );
    await isolated.consuming('workflow-processor.commands');
    await isolated.consuming('workflow-processor.control');
    await isolated.consuming('workflow-processor.rpc');
  }, 60_000);

  afterAll(async () => {
    jest.restoreAllMocks();
    await app?.close();
    await mongo?.close();
    await isolated?.cleanup();
    await simulator?.stop();
    await new Promise((resolve) => target?.close(resolve));
  });

  afterEach(() => jest.restoreAllMocks());

  const db = () => mongo.db(isolated.database);
  const storedRun = (runId: string) =>
    db()
      .collection('runs')
      .findOne({ _id: runId as never });

  /** Publishes a version as the gateway does once it accepted it (publish validation included). */
  async function register(workflowId: string, definition: WorkflowDefinition): Promise<string> {
    expect(validateDefinitionForPublish(definition)).toEqual([]);
    const workflowVersionId = `${workflowId}_v1`;
    await app.get(MessagePublisherService).publish(
      'commands',
      createEnvelope(
        VersionsRegisterCommand,
        {
          workflowId,
          workflowVersionId,
          versionNumber: 1,
          workflowExternalId: `ext_${workflowId}`,
          definition: { ...definition },
        },
        { organizationId: ORG },
      ),
    );
    await waitFor(
      () =>
        db()
          .collection('workflow_versions')
          .findOne({ _id: workflowVersionId as never }),
      {
        what: `the version copy of ${workflowId}`,
      },
    );
    return workflowVersionId;
  }

  function startCommand(
    workflowId: string,
    runId: string,
    extra: Partial<RunsStartCommand> = {},
  ): MessageEnvelope<RunsStartCommand> {
    return createEnvelope(
      RunsStartCommand,
      {
        runId,
        workflowId,
        workflowVersionId: `${workflowId}_v1`,
        versionNumber: 1,
        workflowExternalId: `ext_${workflowId}`,
        candidateProfileId: `cp_${runId}`,
        candidateProfileExternalId: `ats_${runId}`,
        triggerSource: 'API',
        ...extra,
      } as RunsStartCommand,
      { organizationId: ORG, correlationId: `corr_${runId}` },
    );
  }

  const publishCommand = (envelope: MessageEnvelope) => app.get(MessagePublisherService).publish('commands', envelope);

  const getRun = (runId: string) =>
    app.get(RpcClient).request<RunView>(RunsGetQuery.type, { runId }, { organizationId: ORG }, 5000);

  /** As the gateway forwards a verified callback of the messaging service. */
  const sendOutcome = async (request: ConversationsOutcomeRequest) =>
    (
      await app
        .get(RpcClient)
        .request<{ result: ConversationsOutcomeResult }>(
          ConversationsOutcomeRequest.type,
          request,
          { organizationId: 'messaging-service' },
          5000,
        )
    ).result;

  /** The run's events so far, once per event id (delivery is at least once), in the order published. */
  async function eventsOf(runId: string): Promise<MessageEnvelope<Record<string, unknown>>[]> {
    recorded.push(...(await isolated.takeEvents()));
    const unique = new Map<string, MessageEnvelope>();
    for (const event of recorded) {
      if ((event.payload as { recordId?: string }).recordId !== runId) continue;
      const seen = unique.get(event.id);
      // A duplicate is the same event again, never a different one under the same id.
      if (seen) expect(event).toEqual(seen);
      else unique.set(event.id, event);
    }
    return [...unique.values()] as MessageEnvelope<Record<string, unknown>>[];
  }

  const terminalEventOf = (runId: string) =>
    waitFor(async () => (await eventsOf(runId)).find((event) => TERMINAL_TYPES.includes(event.type)), {
      what: `the terminal event of ${runId}`,
    });

  function expectCatalogueValid(events: MessageEnvelope[]): void {
    for (const event of events) {
      expect(ALL_WORKFLOW_EVENT_TYPES).toContain(event.type);
      const valid = ajv.validate(eventSchema(event.type as WorkflowEventType), event.payload);
      expect({ type: event.type, errors: ajv.errors ?? [] }).toEqual({ type: event.type, errors: [] });
      expect(valid).toBe(true);
    }
  }

  const callsTo = (path: string, idempotencyKey?: string) =>
    received.filter(
      (request) =>
        request.path === path &&
        (idempotencyKey === undefined || request.headers['idempotency-key'] === idempotencyKey),
    );

  it('runs condition → webhook → output to completion: events in order and catalogue-valid, run stored, key sent', async () => {
    const definition: WorkflowDefinition = {
      inputs: { score: { type: 'number', required: true } },
      startNodeId: 'check',
      nodes: [
        {
          id: 'check',
          type: 'condition',
          label: 'Check score',
          config: {
            branches: [{ when: { path: 'inputs.score', op: 'gte', value: 50 }, target: 'notify' }],
            else: null,
          },
        },
        {
          id: 'notify',
          type: 'webhook',
          label: 'Notify HR',
          config: {
            method: 'POST',
            url: `${targetUrl}/tickets`,
            headers: { 'x-run-id': '{{run.runId}}' },
            body: { candidate: '{{run.candidateProfileId}}', score: '{{inputs.score}}' },
            timeoutSeconds: 5,
            retries: 0,
            setVariables: [
              { name: 'data.id', variable: 'ticketId' },
              { name: 'data.tags.0', variable: 'firstTag' },
            ],
          },
          transitions: { onSuccess: 'done' },
        },
        { id: 'done', type: 'output', label: 'Done', config: { value: { ticket: '{{vars.ticketId}}' } } },
      ],
    };
    await register('wf_reference', definition);
    const runId = 'run_reference';
    const start = startCommand('wf_reference', runId, { inputs: { score: 72 } });
    await publishCommand(start);

    const terminal = await terminalEventOf(runId);
    const events = await eventsOf(runId);
    expect(events.map((event) => event.type)).toEqual([
      WorkflowEventType.RunStarted,
      WorkflowEventType.NodeCompleted,
      WorkflowEventType.NodeCompleted,
      WorkflowEventType.NodeCompleted,
      WorkflowEventType.RunCompleted,
    ]);
    expectCatalogueValid(events);
    for (const event of events) {
      expect(event.organizationId).toBe(ORG);
      expect(event.correlationId).toBe(start.correlationId);
      expect(event.payload).toMatchObject({
        recordId: runId,
        organizationId: ORG,
        workflowId: 'wf_reference',
        workflowVersionId: 'wf_reference_v1',
        workflowExternalId: 'ext_wf_reference',
        candidateProfileId: `cp_${runId}`,
        candidateProfileExternalId: `ats_${runId}`,
      });
    }
    const nodeEvents = events.filter((event) => event.type === WorkflowEventType.NodeCompleted);
    expect(
      nodeEvents.map((event) => [event.payload['nodeId'], event.payload['nodeType'], event.payload['routingEvent']]),
    ).toEqual([
      ['check', 'CONDITION', 'onConditionResolved'],
      ['notify', 'WEBHOOK', 'onSuccess'],
      ['done', 'OUTPUT', 'onComplete'],
    ]);
    expect(nodeEvents.map((event) => event.payload['outcome'])).toEqual([
      { kind: 'condition', targetNodeId: 'notify', targetNodeLabel: 'Notify HR' },
      { kind: 'empty' },
      { kind: 'empty' },
    ]);
    expect(terminal.payload).toMatchObject({ outcome: 'completed', finalNodeId: 'done', truncated: false });
    expect(terminal.payload).not.toHaveProperty('errorCode');
    expect(terminal.payload['nodes']).toEqual(nodeEvents.map((event) => nodeFieldsOf(event.payload)));

    // The stored run, read as the gateway reads it.
    const run = await getRun(runId);
    expect(run).toMatchObject({
      runId,
      status: 'COMPLETED',
      outcome: 'completed',
      currentNodeId: null,
      waitingOn: null,
      errorCode: null,
      lastFailedNodeId: null,
      outputReached: true,
      output: { ticket: 'T-1001' },
    });
    expect(run.completedAt).toEqual(terminal.payload['completedAt']);
    expect(run.nodes).toEqual(terminal.payload['nodes']);
    expect(run.context.initialize).toEqual({ inputs: { score: 72 } });
    expect(run.context.traverse.order).toEqual(['check', 'notify', 'done']);
    expect(run.context.traverse.steps).toMatchObject({
      check: { targetNodeId: 'notify', branchIndex: 0 },
      notify: { statusCode: 200, body: { data: { id: 'T-1001', tags: ['urgent', 'rn'] } } },
      done: { value: { ticket: 'T-1001' } },
    });
    expect(
      Object.fromEntries(
        Object.entries(run.context.traverse.stepsInfo).map(([id, info]) => [id, [info.name, info.type]]),
      ),
    ).toEqual({ check: ['Check score', 'condition'], notify: ['Notify HR', 'webhook'], done: ['Done', 'output'] });
    // RunView does not carry vars: they are read from the processor's own store.
    expect((await storedRun(runId))?.['vars']).toEqual({ ticketId: 'T-1001', firstTag: 'urgent' });

    // The webhook target got one call, with the node's idempotency key and the templated request.
    const calls = callsTo('/tickets', `${runId}:notify:1`);
    expect(calls).toHaveLength(1);
    expect(calls[0].method).toBe('POST');
    expect(calls[0].headers['x-run-id']).toBe(runId);
    expect(calls[0].headers['content-type']).toBe('application/json');
    expect(JSON.parse(calls[0].body)).toEqual({ candidate: `cp_${runId}`, score: 72 });
  });

  it.each([
    { status: 503, errorCode: 'DOWNSTREAM_SERVICE_ERROR', retries: 2, attempts: 3 },
    { status: 422, errorCode: 'EXECUTOR_FAILED', retries: 2, attempts: 1 },
  ])(
    'fails the run at a webhook node without onFailure: HTTP $status → $errorCode after $attempts attempt(s)',
    async ({ status, errorCode, retries, attempts }) => {
      const workflowId = `wf_fail_${status}`;
      await register(workflowId, {
        startNodeId: 'call',
        nodes: [
          {
            id: 'call',
            type: 'webhook',
            config: { method: 'POST', url: `${targetUrl}/status/${status}`, body: {}, timeoutSeconds: 5, retries },
            transitions: { onSuccess: 'done' },
          },
          { id: 'done', type: 'output', config: { value: 1 } },
        ],
      });
      const runId = `run_fail_${status}`;
      await publishCommand(startCommand(workflowId, runId));

      const terminal = await terminalEventOf(runId);
      const events = await eventsOf(runId);
      expect(events.map((event) => event.type)).toEqual([
        WorkflowEventType.RunStarted,
        WorkflowEventType.NodeCompleted,
        WorkflowEventType.RunFailed,
      ]);
      expectCatalogueValid(events);
      expect(events[1].payload).toMatchObject({ nodeId: 'call', nodeType: 'WEBHOOK', routingEvent: 'onFailure' });
      expect(terminal.payload).toMatchObject({
        outcome: 'failed',
        errorCode,
        lastFailedNodeId: 'call',
        finalNodeId: 'call',
        truncated: false,
        nodes: [nodeFieldsOf(events[1].payload)],
      });
      // errorClass is only for failures from outside the node flow (SYSTEM_FAILURE).
      expect(terminal.payload).not.toHaveProperty('errorClass');

      expect(await getRun(runId)).toMatchObject({
        status: 'FAILED',
        outcome: 'failed',
        errorCode,
        errorClass: null,
        lastFailedNodeId: 'call',
        failedStatusCode: status,
        outputReached: false,
      });
      // Every attempt of the one visit carries the same key; a 4xx is not retried.
      expect(callsTo(`/status/${status}`).map((call) => call.headers['idempotency-key'])).toEqual(
        Array(attempts).fill(`${runId}:call:1`),
      );
    },
  );

  /** screen (waits for its conversation) → check (reads the outcome) → done. */
  const outreachDefinition: WorkflowDefinition = {
    startNodeId: 'screen',
    nodes: [
      {
        id: 'screen',
        type: 'screeningOutreach',
        label: 'Screen',
        config: {
          channels: ['email'],
          replyWindowSeconds: 3600,
          questions: [{ slug: 'rn-registered', text: 'Are you a registered nurse?', preferredAnswer: 'IS_YES' }],
        },
        transitions: { onComplete: 'check' },
      },
      {
        id: 'check',
        type: 'condition',
        config: {
          branches: [
            { when: { path: 'nodes.screen.outcome.status', op: 'eq', value: 'PASSED_CRITERIA' }, target: 'done' },
          ],
          else: null,
        },
      },
      { id: 'done', type: 'output', config: { value: { status: '{{nodes.screen.outcome.status}}' } } },
    ],
  };

  /** Waits until the run waits on its conversation (read through runs.get). */
  const waitingOf = (runId: string) =>
    waitFor(async () => (await getRun(runId)).waitingOn, { what: `${runId} to wait for its conversation` });

  it('waits at an outreach node until the conversation outcome, then resumes to completion; a repeat is already-applied', async () => {
    await register('wf_outreach', outreachDefinition);
    const runId = 'run_outreach';
    const start = startCommand('wf_outreach', runId, { contact: { email: 'ada@example.com', phoneNumber: null } });
    await publishCommand(start);

    const waiting = await waitingOf(runId);
    expect(waiting.nodeId).toBe('screen');
    const run = await getRun(runId);
    expect(run).toMatchObject({ status: 'RUNNING', currentNodeId: 'screen', outcome: null, nodes: [] });
    expect(Date.parse(waiting.timesOutAt ?? '') - Date.parse(run.startedAt)).toBeGreaterThanOrEqual(3600_000);
    // The simulator got the documented request, under the node visit's key...
    expect(await simulator.conversation(waiting.conversationId)).toMatchObject({
      runId,
      nodeId: 'screen',
      status: 'PASSED_CRITERIA',
    });
    // ...and calls the gateway back; the processor hears of it only through the gateway.
    const callback = await waitFor(() => callsTo(`/v1/conversations/${waiting.conversationId}/outcome`)[0], {
      what: 'the simulator’s outcome callback',
    });
    expect(callback.headers['webhook-signature']).toMatch(/^v1,/);
    const outcome = JSON.parse(callback.body) as ConversationsOutcomeRequest;
    expect(outcome.conversationId).toBe(waiting.conversationId);

    // Until then, the run has started and nothing more.
    expect((await eventsOf(runId)).map((event) => event.type)).toEqual([WorkflowEventType.RunStarted]);
    expect((await getRun(runId)).status).toBe('RUNNING');

    expect(await sendOutcome(outcome)).toBe('resumed');
    const terminal = await terminalEventOf(runId);
    const events = await eventsOf(runId);
    expect(events.map((event) => [event.type, event.payload['nodeId'] ?? null])).toEqual([
      [WorkflowEventType.RunStarted, null],
      [WorkflowEventType.NodeCompleted, 'screen'],
      [WorkflowEventType.NodeCompleted, 'check'],
      [WorkflowEventType.NodeCompleted, 'done'],
      [WorkflowEventType.RunCompleted, null],
    ]);
    expectCatalogueValid(events);
    expect(events[1].payload).toMatchObject({
      nodeType: 'SCREENING_OUTREACH',
      routingEvent: 'onComplete',
      outcome: {
        kind: 'conversation',
        conversationId: waiting.conversationId,
        status: 'PASSED_CRITERIA',
        answers: outcome.answers,
      },
    });
    expect(events[2].payload['outcome']).toEqual({ kind: 'condition', targetNodeId: 'done', targetNodeLabel: null });
    expect(terminal.payload).toMatchObject({ outcome: 'completed', finalNodeId: 'done' });
    const completed = await getRun(runId);
    expect(completed).toMatchObject({ status: 'COMPLETED', waitingOn: null, output: { status: 'PASSED_CRITERIA' } });
    expect(completed.context.traverse.order).toEqual(['screen', 'check', 'done']);
    expect(
      await db()
        .collection('run_timers')
        .findOne({ _id: runId as never }),
    ).toBeNull();

    // The same callback again (the messaging service retries) changes nothing.
    const before = await storedRun(runId);
    expect(await sendOutcome(outcome)).toBe('already-applied');
    expect(await storedRun(runId)).toEqual(before);
    expect((await eventsOf(runId)).map((event) => event.id)).toEqual(events.map((event) => event.id));
    expect(await sendOutcome({ ...outcome, conversationId: 'conv_nobody_started' })).toBe('unknown-conversation');
  });

  it('cancels a waiting run once: WORKFLOW_RUN_CANCELLED, timer gone; a second cancel and a late outcome change nothing', async () => {
    await register('wf_cancel', outreachDefinition);
    const runId = 'run_cancel';
    // The simulator never answers a `noreply` contact: the run waits until something else happens.
    await publishCommand(
      startCommand('wf_cancel', runId, { contact: { email: 'noreply@example.com', phoneNumber: null } }),
    );
    const waiting = await waitingOf(runId);
    expect(
      await db()
        .collection('run_timers')
        .findOne({ _id: runId as never }),
    ).not.toBeNull();

    const cancel = jest.spyOn(RunCancellerService.prototype, 'cancel');
    await publishCommand(
      createEnvelope(RunsCancelCommand, { runId, reason: 'Candidate withdrew via ATS' }, { organizationId: ORG }),
    );
    const terminal = await terminalEventOf(runId);
    expect(terminal.type).toBe(WorkflowEventType.RunCancelled);
    expect(terminal.payload).toMatchObject({
      outcome: 'cancelled',
      cancellationReason: 'Candidate withdrew via ATS',
      truncated: false,
      nodes: [],
    });
    // No node completed: there is no final node to name.
    expect(terminal.payload).not.toHaveProperty('finalNodeId');
    const events = await eventsOf(runId);
    expect(events.map((event) => event.type)).toEqual([WorkflowEventType.RunStarted, WorkflowEventType.RunCancelled]);
    expectCatalogueValid(events);
    expect(await getRun(runId)).toMatchObject({
      status: 'CANCELLED',
      outcome: 'cancelled',
      cancellationReason: 'Candidate withdrew via ATS',
      waitingOn: null,
      errorCode: null,
    });
    expect(
      await db()
        .collection('run_timers')
        .findOne({ _id: runId as never }),
    ).toBeNull();
    expect(await Promise.all(cancel.mock.results.map((result) => result.value))).toEqual([1]);

    // A second cancel (another request) finds the run ended: it cancels nothing and emits nothing.
    const before = await storedRun(runId);
    await publishCommand(createEnvelope(RunsCancelCommand, { runId, reason: 'again' }, { organizationId: ORG }));
    await waitFor(() => cancel.mock.results.length === 2 || null, { what: 'the second cancel to be handled' });
    expect(await cancel.mock.results[1].value).toBe(0);
    expect(await storedRun(runId)).toEqual(before);
    // A conversation outcome arriving after the cancel does not bring the run back.
    const late = { conversationId: waiting.conversationId, status: 'PASSED_CRITERIA' as const, answers: [] };
    expect(await sendOutcome({ ...late, completedAt: new Date().toISOString() })).toBe('already-applied');
    expect(await storedRun(runId)).toEqual(before);
    expect((await eventsOf(runId)).map((event) => event.id)).toEqual(events.map((event) => event.id));
  });

  it('makes one run of a redelivered runs.start (same envelope id), whether the copy comes at once or after the end', async () => {
    await register('wf_redelivered', {
      startNodeId: 'call',
      nodes: [
        {
          id: 'call',
          type: 'webhook',
          config: { method: 'POST', url: `${targetUrl}/tickets`, body: {}, timeoutSeconds: 5, retries: 0 },
          transitions: { onSuccess: 'done' },
        },
        { id: 'done', type: 'output', config: { value: 1 } },
      ],
    });
    const runId = 'run_redelivered';
    const start = startCommand('wf_redelivered', runId);
    const starter = jest.spyOn(RunStarterService.prototype, 'start');
    const results = async () =>
      (await Promise.all(starter.mock.results.map((result) => result.value))).map((value) => value.result);

    // Two deliveries of one message side by side (a redelivery racing the original).
    await publishCommand(start);
    await publishCommand(start);
    await terminalEventOf(runId);
    await waitFor(() => starter.mock.results.length === 2 || null, { what: 'both deliveries to be handled' });
    expect((await results()).sort()).toEqual(['already-started', 'started']);
    expect(starter.mock.calls.every(([envelope]) => envelope.id === start.id)).toBe(true);

    const events = await eventsOf(runId);
    expect(events.map((event) => event.type)).toEqual([
      WorkflowEventType.RunStarted,
      WorkflowEventType.NodeCompleted,
      WorkflowEventType.NodeCompleted,
      WorkflowEventType.RunCompleted,
    ]);
    expectCatalogueValid(events);
    expect(
      await db()
        .collection('runs')
        .countDocuments({ candidateProfileId: `cp_${runId}` }),
    ).toBe(1);
    expect(callsTo('/tickets', `${runId}:call:1`)).toHaveLength(1);
    expect(
      callsTo('/tickets').filter((call) => String(call.headers['idempotency-key']).startsWith(runId)),
    ).toHaveLength(1);

    // A late copy, after the run ended (the broker redelivers after a lost ack): nothing changes.
    const before = await storedRun(runId);
    await publishCommand(start);
    await waitFor(() => starter.mock.results.length === 3 || null, { what: 'the late copy to be handled' });
    expect((await results())[2]).toBe('already-started');
    expect(await storedRun(runId)).toEqual(before);
    expect((await eventsOf(runId)).map((event) => event.id)).toEqual(events.map((event) => event.id));
    expect(callsTo('/tickets', `${runId}:call:1`)).toHaveLength(1);
  });
});
