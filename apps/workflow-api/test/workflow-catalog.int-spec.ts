import type { INestApplication } from '@nestjs/common';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import * as amqplib from 'amqplib';
import { MongoClient, type Db } from 'mongodb';
import request from 'supertest';
import {
  ALL_WORKFLOW_EVENT_TYPES,
  ContactsResolveCommand,
  eventSchema,
  RunsCancelCommand,
  runIdFor,
  VersionsRegisterCommand,
  WorkflowEventType,
  type MessageEnvelope,
} from '@wfp/contracts';
import { declareTopology, buildServiceTopology, exchangeName, queueName } from '@wfp/messaging';
import { IsolatedInfra, mongoUrlWithDatabase, TEST_ADMIN_TOKEN, TEST_MESSAGING_SECRET, waitFor } from '@wfp/testing';
import { WorkflowsService } from '@wfp/workflow-catalog';
import { bootstrap } from '../src/bootstrap';

/**
 * The workflow catalogue (libs/workflow-catalog) at the service level: workflow-api booted
 * in-process with its production bootstrap against RabbitMQ and FerretDB, driven over HTTP.
 * What it sends is read off the broker: a queue of the test's own bound to every command, the
 * IsolatedInfra queue bound to every event, and the queues of the services that consume the
 * commands (declared from the shared topology, with no consumer) to check where each one lands.
 *
 * Every message the gateway sends for a request is confirmed by the broker before the response
 * (the outbox relay and the run-request publisher both wait for confirms), so "nothing was sent"
 * is read right after the response; the store is checked for an outbox left for the sweeper.
 */
describe('workflow-api: workflow catalogue (publish, archive, run requests)', () => {
  const ajv = addFormats(new Ajv2020({ allErrors: true, strict: true }));
  const retryDelaysMs = [50]; // IsolatedInfra's AMQP_RETRY_DELAYS_MS, so its cleanup deletes these queues

  let isolated: IsolatedInfra;
  let gateway: INestApplication;
  let second: INestApplication;
  let mongo: MongoClient;
  let db: Db;
  let commandWatch: string;
  let org: { id: string; apiKey: string; keyId: string };

  const owners = () => ({
    processorCommands: queueName(isolated.namespace, 'workflow-processor.commands'),
    processorControl: queueName(isolated.namespace, 'workflow-processor.control'),
    resolverCommands: queueName(isolated.namespace, 'contact-resolver.commands'),
  });

  /** Messages on a queue since the last look, in the broker's order. */
  async function drain(queue: string): Promise<MessageEnvelope[]> {
    const taken: MessageEnvelope[] = [];
    for (let message = await isolated.probe.take(queue); message; message = await isolated.probe.take(queue)) {
      taken.push(JSON.parse(message.content.toString('utf8')) as MessageEnvelope);
    }
    return taken;
  }

  const takeCommands = () => drain(commandWatch);
  /** Workflow events only: the gateway's cache notices (`workflows.changed`) share the exchange. */
  const takeWorkflowEvents = async () =>
    (await isolated.takeEvents()).filter((event) =>
      (ALL_WORKFLOW_EVENT_TYPES as readonly string[]).includes(event.type),
    );

  /** Drains a queue until it has given `count` messages (they are confirmed, but read with a margin). */
  async function collect(take: () => Promise<MessageEnvelope[]>, count: number, what: string) {
    const seen: MessageEnvelope[] = [];
    await waitFor(
      async () => {
        seen.push(...(await take()));
        return seen.length >= count;
      },
      { what, lastSeen: () => JSON.stringify(seen.map((message) => message.type)) },
    );
    return seen;
  }

  /** Empties every observation queue, so the next test starts from nothing. */
  async function drainAll(): Promise<void> {
    await takeCommands();
    await takeWorkflowEvents();
    for (const queue of Object.values(owners())) await drain(queue);
  }

  const api = (app: INestApplication = gateway) => request(app.getHttpServer());
  const auth = (apiKey = org.apiKey) => ({ Authorization: `Bearer ${apiKey}` });

  async function createOrganization(name: string) {
    const created = await api()
      .post('/v1/orgs')
      .set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
      .send({ name })
      .expect(201);
    const key = await db.collection('api_keys').findOne({ organizationId: created.body.id });
    return { id: created.body.id as string, apiKey: created.body.apiKey as string, keyId: key?.['keyId'] as string };
  }

  async function createWorkflow(definition: Record<string, unknown>, extra: Record<string, unknown> = {}) {
    const created = await api()
      .post('/v1/workflows')
      .set(auth())
      .send({ name: 'Catalogue test', definition, ...extra })
      .expect(201);
    return created.body.id as string;
  }

  async function publish(workflowId: string, correlationId?: string) {
    const call = api().post(`/v1/workflows/${workflowId}/publish`).set(auth());
    if (correlationId) call.set('X-Correlation-Id', correlationId);
    return (await call.expect(201)).body as { workflowVersionId: string; versionNumber: number; publishedAt: string };
  }

  /** Outbox entries a document still holds: what the sweeper would send later. */
  async function pendingOutbox(collection: 'workflows' | 'workflow_versions', filter: Record<string, unknown>) {
    const documents = await db.collection(collection).find(filter).toArray();
    return documents.flatMap((document) => (document['outbox'] as unknown[] | undefined) ?? []);
  }

  /** A graph that passes publish validation: a condition routing to one of two outputs. */
  const definitionV1 = {
    inputs: { score: { type: 'number', required: true } },
    startNodeId: 'check',
    nodes: [
      {
        id: 'check',
        type: 'condition',
        config: {
          branches: [{ when: { all: [{ path: 'inputs.score', op: 'gte', value: 50 }] }, target: 'pass' }],
          else: 'fail',
        },
      },
      { id: 'pass', type: 'output', config: { value: { passed: true } } },
      { id: 'fail', type: 'output', config: { value: { passed: false } } },
    ],
  };
  /** A different valid graph, the second version's. */
  const definitionV2 = {
    startNodeId: 'done',
    nodes: [{ id: 'done', type: 'output', label: 'Second version', config: { value: { version: 2 } } }],
  };
  /** Right in shape (accepted as a draft), wrong as a graph. */
  const brokenDefinition = {
    startNodeId: 'missing',
    nodes: [
      { id: 'check', type: 'condition', config: { branches: [], else: 'nowhere' } },
      { id: 'done', type: 'output', config: { value: 1 }, transitions: { onComplete: 'check' } },
    ],
  };

  beforeAll(async () => {
    isolated = await IsolatedInfra.create('catalogue');
    const { amqpUrl, mongoUrl } = isolated.infra;
    // The consumers' queues and bindings (as workflow-processor and contact-resolver declare them).
    const connection = await amqplib.connect(amqpUrl);
    try {
      const channel = await connection.createChannel();
      for (const service of ['workflow-processor', 'contact-resolver'] as const) {
        await declareTopology(
          channel,
          buildServiceTopology({ namespace: isolated.namespace, service, queueType: 'classic', retryDelaysMs }),
        );
      }
      await channel.close();
    } finally {
      await connection.close();
    }
    commandWatch = `${isolated.namespace}.test.command-watch`;
    await isolated.probe.listen(commandWatch, exchangeName(isolated.namespace, 'commands'), '#');

    mongo = await MongoClient.connect(mongoUrlWithDatabase(mongoUrl, isolated.database));
    db = mongo.db(isolated.database);
    const env = isolated.serviceEnv({
      WORKFLOW_API_PORT: '0',
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      MESSAGING_CALLBACK_SECRET: TEST_MESSAGING_SECRET,
    });
    gateway = await bootstrap(env);
    second = await bootstrap(env);
    org = await createOrganization('Catalogue Org');
    expect(org.keyId).toMatch(/^key_/);
  });

  afterAll(async () => {
    await Promise.all([gateway, second].filter(Boolean).map((app) => app.close()));
    await mongo?.close();
    if (commandWatch) await isolated?.probe.deleteQueue(commandWatch);
    await isolated?.cleanup();
  });

  beforeEach(() => drainAll());

  describe('publish', () => {
    it('makes immutable, numbered versions, each sent once to the processor and announced once', async () => {
      const workflowId = await createWorkflow(definitionV1, { externalId: 'cat-ext-1' });
      expect(await takeCommands()).toEqual([]);

      const first = await publish(workflowId, 'corr-publish-1');
      expect(first).toEqual({
        workflowVersionId: expect.stringMatching(/^wfv_/),
        versionNumber: 1,
        publishedAt: expect.any(String),
      });

      // The processor's copy: one versions.register, routed to the processor's command queue.
      const [register1] = await collect(takeCommands, 1, 'versions.register of version 1');
      expect(register1).toMatchObject({
        type: VersionsRegisterCommand.type,
        organizationId: org.id,
        correlationId: 'corr-publish-1',
        payload: {
          workflowId,
          workflowVersionId: first.workflowVersionId,
          versionNumber: 1,
          workflowExternalId: 'cat-ext-1',
          definition: definitionV1,
        },
      });
      expect(Object.keys(register1.payload as object).sort()).toEqual(
        ['definition', 'versionNumber', 'workflowExternalId', 'workflowId', 'workflowVersionId'].sort(),
      );
      expect((await drain(owners().processorCommands)).map((command) => command.id)).toEqual([register1.id]);

      // WORKFLOW_PUBLISHED, once, with the catalogue's payload (and nothing the catalogue omits).
      const [published1] = await collect(takeWorkflowEvents, 1, 'WORKFLOW_PUBLISHED of version 1');
      expect(published1.type).toBe(WorkflowEventType.Published);
      expect(published1.id).toMatch(/^evt_/);
      expect(published1.correlationId).toBe('corr-publish-1');
      expect(published1.payload).toEqual({
        recordId: workflowId,
        organizationId: org.id,
        workflowExternalId: 'cat-ext-1',
        workflowVersionId: first.workflowVersionId,
        versionNumber: 1,
        publishedByUserId: org.keyId,
        publishedAt: first.publishedAt,
      });
      expect(ajv.validate(eventSchema(WorkflowEventType.Published), published1.payload)).toBe(true);
      expect(ajv.errors ?? []).toEqual([]);

      // A new draft, published: version 2. Version 1 keeps its definition.
      await api().put(`/v1/workflows/${workflowId}/draft`).set(auth()).send({ definition: definitionV2 }).expect(200);
      const later = await publish(workflowId);
      expect(later.versionNumber).toBe(2);
      expect(later.workflowVersionId).not.toBe(first.workflowVersionId);

      const [register2] = await collect(takeCommands, 1, 'versions.register of version 2');
      expect(register2.type).toBe(VersionsRegisterCommand.type);
      expect(register2.payload).toEqual({
        workflowId,
        workflowVersionId: later.workflowVersionId,
        versionNumber: 2,
        workflowExternalId: 'cat-ext-1',
        definition: definitionV2,
      });
      const [published2] = await collect(takeWorkflowEvents, 1, 'WORKFLOW_PUBLISHED of version 2');
      expect(published2.payload).toMatchObject({
        recordId: workflowId,
        workflowVersionId: later.workflowVersionId,
        versionNumber: 2,
      });
      expect(ajv.validate(eventSchema(WorkflowEventType.Published), published2.payload)).toBe(true);
      expect(published2.id).not.toBe(published1.id);

      // Exactly one of each per publish: nothing more arrived, and nothing is left to send.
      expect(await takeCommands()).toEqual([]);
      expect(await takeWorkflowEvents()).toEqual([]);
      expect(await pendingOutbox('workflow_versions', { workflowId })).toEqual([]);

      const versions = await api().get(`/v1/workflows/${workflowId}/versions`).set(auth()).expect(200);
      expect(versions.body).toEqual({
        data: [
          {
            workflowVersionId: later.workflowVersionId,
            versionNumber: 2,
            publishedAt: later.publishedAt,
            publishedByUserId: org.keyId,
            definition: definitionV2,
          },
          {
            workflowVersionId: first.workflowVersionId,
            versionNumber: 1,
            publishedAt: first.publishedAt,
            publishedByUserId: org.keyId,
            definition: definitionV1,
          },
        ],
        nextCursor: null,
      });
      const workflow = await api().get(`/v1/workflows/${workflowId}`).set(auth()).expect(200);
      expect(workflow.body.latestVersion).toEqual({
        workflowVersionId: later.workflowVersionId,
        versionNumber: 2,
        publishedAt: later.publishedAt,
      });
      expect(workflow.body.definition).toEqual(definitionV2);
    });

    it('gives concurrent publishes distinct consecutive numbers, each sent and announced once', async () => {
      const workflowId = await createWorkflow(definitionV2);
      const answers = await Promise.all(
        Array.from({ length: 4 }, (_, index) =>
          api(index % 2 === 0 ? gateway : second)
            .post(`/v1/workflows/${workflowId}/publish`)
            .set(auth()),
        ),
      );
      // Four at once collide on numbers; each loser takes the next one (5 attempts are enough for 4).
      expect(answers.map((answer) => answer.status)).toEqual([201, 201, 201, 201]);
      const numbers = answers.map((answer) => answer.body.versionNumber as number).sort((a, b) => a - b);
      expect(numbers).toEqual([1, 2, 3, 4]);
      const stored = await db.collection('workflow_versions').find({ workflowId }).toArray();
      expect(stored.map((version) => version['versionNumber'] as number).sort((a, b) => a - b)).toEqual(numbers);

      const registers = await collect(takeCommands, numbers.length, 'one versions.register per version');
      const published = await collect(takeWorkflowEvents, numbers.length, 'one WORKFLOW_PUBLISHED per version');
      const ids = stored.map((version) => version['_id']).sort();
      expect(registers.map((command) => (command.payload as VersionsRegisterCommand).workflowVersionId).sort()).toEqual(
        ids,
      );
      expect(
        published.map((event) => (event.payload as { workflowVersionId: string }).workflowVersionId).sort(),
      ).toEqual(ids);
      expect(await takeCommands()).toEqual([]);
      expect(await takeWorkflowEvents()).toEqual([]);
    });

    it('publishes once for a repeated Idempotency-Key', async () => {
      const workflowId = await createWorkflow(definitionV2);
      const once = () =>
        api().post(`/v1/workflows/${workflowId}/publish`).set(auth()).set('Idempotency-Key', `pub-${workflowId}`);
      const first = await once().expect(201);
      const repeat = await once().expect(201);
      expect(repeat.body).toEqual(first.body);
      expect(first.body.versionNumber).toBe(1);
      const [register] = await collect(takeCommands, 1, 'versions.register');
      expect((register.payload as VersionsRegisterCommand).workflowVersionId).toBe(first.body.workflowVersionId);
      expect(await collect(takeWorkflowEvents, 1, 'WORKFLOW_PUBLISHED')).toHaveLength(1);
      expect(await takeCommands()).toEqual([]);
      expect(await takeWorkflowEvents()).toEqual([]);
      expect(await db.collection('workflow_versions').countDocuments({ workflowId })).toBe(1);
    });

    it('refuses an invalid graph with the list of its problems, and stores and sends nothing', async () => {
      const workflowId = await createWorkflow(brokenDefinition);
      const refused = await api().post(`/v1/workflows/${workflowId}/publish`).set(auth()).expect(422);
      expect(refused.body).toEqual({
        statusCode: 422,
        error: 'Unprocessable Entity',
        message: 'The draft cannot be published: 4 problems',
        // Each problem names its node (null for the graph as a whole), its field, and what is wrong.
        details: [
          { nodeId: null, field: 'startNodeId', message: "startNodeId 'missing' does not name a node" },
          { nodeId: 'check', field: 'nodes[0].config.branches', message: 'branches must contain at least 1 elements' },
          { nodeId: 'check', field: 'nodes[0].config.else', message: "target 'nowhere' does not name a node" },
          {
            nodeId: 'done',
            field: 'nodes[1].transitions.onComplete',
            message: 'output nodes end the run and take no transitions (onComplete)',
          },
        ],
      });

      const versions = await api().get(`/v1/workflows/${workflowId}/versions`).set(auth()).expect(200);
      expect(versions.body).toEqual({ data: [], nextCursor: null });
      expect(await db.collection('workflow_versions').countDocuments({ workflowId })).toBe(0);
      expect(await takeCommands()).toEqual([]);
      expect(await takeWorkflowEvents()).toEqual([]);
      // And a run request still finds nothing to run.
      await api()
        .post(`/v1/workflows/${workflowId}/runs`)
        .set(auth())
        .send({ triggerSource: 'API', candidateProfileIds: ['cp_1'] })
        .expect(409);
      expect(await takeCommands()).toEqual([]);
    });

    it('refuses an invalid new draft of a published workflow, leaving its versions and runs on the last good one', async () => {
      const workflowId = await createWorkflow(definitionV2);
      const good = await publish(workflowId);
      await collect(takeCommands, 1, 'versions.register of the good version');
      await collect(takeWorkflowEvents, 1, 'WORKFLOW_PUBLISHED of the good version');

      await api()
        .put(`/v1/workflows/${workflowId}/draft`)
        .set(auth())
        .send({ definition: brokenDefinition })
        .expect(200);
      const refused = await api().post(`/v1/workflows/${workflowId}/publish`).set(auth()).expect(422);
      expect(refused.body.details.length).toBeGreaterThan(0);
      expect(await takeCommands()).toEqual([]);
      expect(await takeWorkflowEvents()).toEqual([]);

      const versions = await api().get(`/v1/workflows/${workflowId}/versions`).set(auth()).expect(200);
      expect(versions.body.data.map((version: { versionNumber: number }) => version.versionNumber)).toEqual([1]);
      expect(versions.body.data[0].definition).toEqual(definitionV2);
      const accepted = await api()
        .post(`/v1/workflows/${workflowId}/runs`)
        .set(auth())
        .send({ triggerSource: 'API', candidateProfileIds: ['cp_1'] })
        .expect(202);
      const [resolve] = await collect(takeCommands, 1, 'contacts.resolve');
      expect(accepted.body.accepted).toBe(1);
      expect(resolve.payload).toMatchObject({ workflowVersionId: good.workflowVersionId, versionNumber: 1 });
    });
  });

  describe('archive', () => {
    it('cancels the workflow’s runs once, refuses runs and publishing afterwards, and is harmless twice', async () => {
      const workflowId = await createWorkflow(definitionV2);
      await publish(workflowId);
      // A run request before archiving is accepted (and leaves the workflow cached as ACTIVE).
      await api()
        .post(`/v1/workflows/${workflowId}/runs`)
        .set(auth())
        .send({ triggerSource: 'API', candidateProfileIds: ['cp_before'] })
        .expect(202);
      await collect(takeCommands, 2, 'versions.register and contacts.resolve');
      await takeWorkflowEvents();

      const archived = await api()
        .post(`/v1/workflows/${workflowId}/archive`)
        .set(auth())
        .set('X-Correlation-Id', 'corr-archive-1')
        .expect(200);
      expect(archived.body).toMatchObject({ id: workflowId, status: 'ARCHIVED' });

      const [cancel] = await collect(takeCommands, 1, 'runs.cancel');
      expect(cancel).toMatchObject({
        type: RunsCancelCommand.type,
        organizationId: org.id,
        correlationId: 'corr-archive-1',
        payload: { workflowId, reason: 'Workflow archived' },
      });
      expect(cancel.payload).not.toHaveProperty('runId');
      // It reaches the processor's control queue (cancels never wait behind runs).
      expect((await drain(owners().processorControl)).map((command) => command.id)).toEqual([cancel.id]);
      expect(await takeWorkflowEvents()).toEqual([]);
      expect(await pendingOutbox('workflows', { _id: workflowId })).toEqual([]);
      const stored = await db.collection('workflows').findOne({ _id: workflowId as never });
      expect(stored?.['status']).toBe('ARCHIVED');
      const archivedAt = stored?.['archivedAt'];
      expect(archivedAt).toBeInstanceOf(Date);

      // Twice: the same answer, no second cancel, nothing rewritten.
      const again = await api().post(`/v1/workflows/${workflowId}/archive`).set(auth()).expect(200);
      expect(again.body).toEqual(archived.body);
      expect(await takeCommands()).toEqual([]);
      expect((await db.collection('workflows').findOne({ _id: workflowId as never }))?.['archivedAt']).toEqual(
        archivedAt,
      );

      // Runs, publishing and draft changes are refused, and send nothing.
      const run = await api()
        .post(`/v1/workflows/${workflowId}/runs`)
        .set(auth())
        .send({ triggerSource: 'API', contacts: [{ email: 'late@example.com' }] })
        .expect(409);
      expect(run.body).toEqual({
        statusCode: 409,
        error: 'Conflict',
        message: 'An archived workflow cannot be run',
      });
      const republish = await api().post(`/v1/workflows/${workflowId}/publish`).set(auth()).expect(409);
      expect(republish.body.message).toBe('An archived workflow cannot be published');
      await api().put(`/v1/workflows/${workflowId}/draft`).set(auth()).send({ definition: definitionV1 }).expect(409);
      expect(await takeCommands()).toEqual([]);
      expect(await takeWorkflowEvents()).toEqual([]);
      const versions = await api().get(`/v1/workflows/${workflowId}/versions`).set(auth()).expect(200);
      expect(versions.body.data).toHaveLength(1);
    });

    it('reaches another gateway instance that had the workflow cached', async () => {
      const workflowId = await createWorkflow(definitionV2);
      await publish(workflowId);
      // The second instance caches the workflow as runnable.
      await api(second)
        .post(`/v1/workflows/${workflowId}/runs`)
        .set(auth())
        .send({ triggerSource: 'API', candidateProfileIds: ['cp_cached'] })
        .expect(202);
      expect((await second.get(WorkflowsService).runTarget(org.id, workflowId)).status).toBe('ACTIVE');

      await api().post(`/v1/workflows/${workflowId}/archive`).set(auth()).expect(200);
      // The change notice drops the entry there well before its 30 s expiry.
      await waitFor(
        async () => (await second.get(WorkflowsService).runTarget(org.id, workflowId)).status === 'ARCHIVED',
        { what: 'the second instance to see the archive' },
      );
      await drainAll();
      await api(second)
        .post(`/v1/workflows/${workflowId}/runs`)
        .set(auth())
        .send({ triggerSource: 'API', candidateProfileIds: ['cp_cached'] })
        .expect(409);
      expect(await takeCommands()).toEqual([]);
    });
  });

  describe('run requests', () => {
    it('sends one contacts.resolve per item, for the latest published version', async () => {
      const workflowId = await createWorkflow(definitionV1, { externalId: 'cat-run-ext' });
      const v1 = await publish(workflowId);
      await drainAll();

      const contacts = [
        { externalId: 'ext-1', email: 'Ada@Example.com', firstName: 'Ada' },
        { phoneNumber: '+44 7700 900123', lastName: 'Lovelace' },
      ];
      const accepted = await api()
        .post(`/v1/workflows/${workflowId}/runs`)
        .set(auth())
        .set('X-Correlation-Id', 'corr-runs-1')
        .send({ triggerSource: 'API', contacts, candidateProfileIds: ['cp_known'], inputs: { score: 70 } })
        .expect(202);
      const requestId: string = accepted.body.requestId;
      expect(accepted.body).toEqual({
        requestId: expect.stringMatching(/^req_/),
        accepted: 3,
        runIds: [0, 1, 2].map((index) => runIdFor(requestId, index)),
      });

      const commands = await collect(takeCommands, 3, 'three contacts.resolve');
      const byIndex = [...commands].sort(
        (a, b) =>
          (a.payload as ContactsResolveCommand).contactIndex - (b.payload as ContactsResolveCommand).contactIndex,
      );
      const base = {
        requestId,
        workflowId,
        workflowVersionId: v1.workflowVersionId,
        versionNumber: 1,
        workflowExternalId: 'cat-run-ext',
        triggerSource: 'API',
        inputs: { score: 70 },
      };
      expect(byIndex.map((command) => command.payload)).toEqual([
        { ...base, contactIndex: 0, contact: contacts[0] },
        { ...base, contactIndex: 1, contact: contacts[1] },
        { ...base, contactIndex: 2, candidateProfileId: 'cp_known' },
      ]);
      for (const command of commands) {
        expect(command).toMatchObject({
          type: ContactsResolveCommand.type,
          organizationId: org.id,
          correlationId: 'corr-runs-1',
          causationId: requestId,
        });
      }
      expect(new Set(commands.map((command) => command.id)).size).toBe(3);
      // They reach contact-resolver's queue; the gateway itself emits no event for a request.
      expect((await drain(owners().resolverCommands)).map((command) => command.id).sort()).toEqual(
        commands.map((command) => command.id).sort(),
      );
      expect(await takeWorkflowEvents()).toEqual([]);

      // After a second publish, the next request runs version 2 (the cached target was dropped).
      await api().put(`/v1/workflows/${workflowId}/draft`).set(auth()).send({ definition: definitionV2 }).expect(200);
      const v2 = await publish(workflowId);
      await drainAll();
      await api()
        .post(`/v1/workflows/${workflowId}/runs`)
        .set(auth())
        .send({ triggerSource: 'API', candidateProfileIds: ['cp_known'] })
        .expect(202);
      const [next] = await collect(takeCommands, 1, 'contacts.resolve for version 2');
      expect(next.payload).toMatchObject({ workflowVersionId: v2.workflowVersionId, versionNumber: 2, inputs: {} });
    });

    it('sends nothing for an unpublished, unknown or other organization’s workflow, until it is published', async () => {
      const unpublished = await createWorkflow(definitionV1);
      const refused = await api()
        .post(`/v1/workflows/${unpublished}/runs`)
        .set(auth())
        .send({ triggerSource: 'API', contacts: [{ email: 'a@example.com' }], candidateProfileIds: ['cp_1'] })
        .expect(409);
      expect(refused.body).toEqual({
        statusCode: 409,
        error: 'Conflict',
        message: 'The workflow has no published version: publish it first',
      });

      await api()
        .post('/v1/workflows/wf_does_not_exist/runs')
        .set(auth())
        .send({ triggerSource: 'API', candidateProfileIds: ['cp_1'] })
        .expect(404);

      // Another organization's workflow is a plain 404 for running, publishing and archiving.
      const published = await createWorkflow(definitionV2);
      await publish(published);
      await drainAll();
      const other = await createOrganization('Other Org');
      const foreign = await api()
        .post(`/v1/workflows/${published}/runs`)
        .set(auth(other.apiKey))
        .send({ triggerSource: 'API', candidateProfileIds: ['cp_1'] })
        .expect(404);
      expect(foreign.body.message).toBe('Workflow not found');
      await api().post(`/v1/workflows/${published}/publish`).set(auth(other.apiKey)).expect(404);
      await api().post(`/v1/workflows/${published}/archive`).set(auth(other.apiKey)).expect(404);
      const owned = await api().get(`/v1/workflows/${published}`).set(auth()).expect(200);
      expect(owned.body).toMatchObject({ status: 'ACTIVE', latestVersion: { versionNumber: 1 } });

      expect(await takeCommands()).toEqual([]);
      expect(await takeWorkflowEvents()).toEqual([]);
      expect(await drain(owners().resolverCommands)).toEqual([]);

      // Once published, the workflow refused above runs (its cached "no version" was dropped).
      const version = await publish(unpublished);
      await drainAll();
      await api()
        .post(`/v1/workflows/${unpublished}/runs`)
        .set(auth())
        .send({ triggerSource: 'API', candidateProfileIds: ['cp_1'], inputs: { score: 70 } })
        .expect(202);
      const [resolve] = await collect(takeCommands, 1, 'contacts.resolve after the first publish');
      expect(resolve.payload).toMatchObject({ workflowId: unpublished, workflowVersionId: version.workflowVersionId });
    });

    it('checks the inputs against the version’s declarations, naming each problem, and sends nothing when they fail', async () => {
      const workflowId = await createWorkflow({
        ...definitionV1,
        inputs: { score: { type: 'number', required: true } },
      });
      await publish(workflowId);
      await drainAll();
      const run = (inputs?: Record<string, unknown>) =>
        api()
          .post(`/v1/workflows/${workflowId}/runs`)
          .set(auth())
          .send({ triggerSource: 'API', candidateProfileIds: ['cp_1'], ...(inputs ? { inputs } : {}) });
      const missing = await run().expect(400);
      expect(missing.body.message).toContain('inputs.score is required');
      const wrong = await run({ score: 'abc' }).expect(400);
      expect(wrong.body.message).toContain('inputs.score');
      expect(await takeCommands()).toEqual([]);
      expect(await drain(owners().resolverCommands)).toEqual([]);

      await run({ score: 7 }).expect(202);
      const [resolve] = await collect(takeCommands, 1, 'contacts.resolve with valid inputs');
      expect(resolve.payload).toMatchObject({ workflowId, inputs: { score: 7 } });
    });
  });
});
