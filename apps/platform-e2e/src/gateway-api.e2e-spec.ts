import request from 'supertest';
import { MongoClient } from 'mongodb';
import { ALL_WORKFLOW_EVENT_TYPES, WorkflowEventType } from '@wfp/contracts';
import { Platform, TEST_ADMIN_TOKEN, waitFor } from '@wfp/testing';
import { createOrganization, schemaErrors, screeningDefinition as definition } from './support/fixtures';

describe('workflow-api: organizations, workflows and versions (real RabbitMQ and FerretDB)', () => {
  let platform: Platform;
  let mongo: MongoClient;
  let org: { id: string; apiKey: string };
  let other: { id: string; apiKey: string };

  const api = () => request(platform.apiUrl);
  const as = (key: string) => ({ Authorization: `Bearer ${key}` });

  async function createWorkflow(body: Record<string, unknown> = {}): Promise<string> {
    const response = await api()
      .post('/v1/workflows')
      .set(as(org.apiKey))
      .send({ name: 'wf', definition, ...body })
      .expect(201);
    return response.body.id;
  }

  beforeAll(async () => {
    platform = await Platform.start();
    mongo = await MongoClient.connect(platform.mongoServerUrl);
    org = await createOrganization(platform.apiUrl, 'Cedar');
    other = await createOrganization(platform.apiUrl, 'Other');
  });

  afterAll(async () => {
    await mongo?.close();
    await platform?.stop();
  });

  describe('authentication', () => {
    it.each([
      ['no Authorization header', {}],
      ['a non-bearer scheme', { Authorization: 'Basic abc' }],
      ['an unknown key', { Authorization: `Bearer wfk_${'x'.repeat(43)}` }],
      ['the admin token', { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` }],
    ])('answers 401 with %s', async (_, headers) => {
      const response = await api().get('/v1/workflows').set(headers).expect(401);
      expect(response.body).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: expect.stringContaining('API key'),
      });
    });

    it('keeps the admin route for the admin token only', async () => {
      await api().post('/v1/orgs').set(as(org.apiKey)).send({ name: 'x' }).expect(401);
      await api().post('/v1/orgs').send({ name: 'x' }).expect(401);
    });
  });

  describe('tenant isolation', () => {
    it("answers 404 for every route on another organization's workflow", async () => {
      const id = await createWorkflow();
      const theirs = as(other.apiKey);
      await api().get(`/v1/workflows/${id}`).set(theirs).expect(404);
      await api().put(`/v1/workflows/${id}/draft`).set(theirs).send({ definition }).expect(404);
      await api().post(`/v1/workflows/${id}/publish`).set(theirs).expect(404);
      await api().get(`/v1/workflows/${id}/versions`).set(theirs).expect(404);
      await api().post(`/v1/workflows/${id}/archive`).set(theirs).expect(404);
      await api()
        .post(`/v1/workflows/${id}/runs`)
        .set(theirs)
        .send({ triggerSource: 'API', candidateProfileIds: ['cp_1'] })
        .expect(404);
      const list = await api().get('/v1/workflows').set(theirs).expect(200);
      expect(list.body.data.map((workflow: { id: string }) => workflow.id)).not.toContain(id);
      // and nothing changed for the owner
      const mine = await api().get(`/v1/workflows/${id}`).set(as(org.apiKey)).expect(200);
      expect(mine.body).toMatchObject({ status: 'ACTIVE', latestVersion: null });
    });
  });

  describe('drafts', () => {
    it('replaces the draft, keeping published versions unchanged', async () => {
      const id = await createWorkflow();
      await api().post(`/v1/workflows/${id}/publish`).set(as(org.apiKey)).expect(201);
      const changed = { ...definition, nodes: definition.nodes.map((node) => ({ ...node, label: 'changed' })) };
      const replaced = await api()
        .put(`/v1/workflows/${id}/draft`)
        .set(as(org.apiKey))
        .send({ definition: changed })
        .expect(200);
      expect(replaced.body.definition).toEqual(changed);
      const versions = await api().get(`/v1/workflows/${id}/versions`).set(as(org.apiKey)).expect(200);
      expect(versions.body.data[0].definition).toEqual(definition);
    });

    it('accepts an unfinished graph as a draft but names shape errors at once', async () => {
      const unfinished = { startNodeId: 'later', nodes: [{ id: 'a', type: 'condition', config: {} }] };
      await api().post('/v1/workflows').set(as(org.apiKey)).send({ name: 'wip', definition: unfinished }).expect(201);
      const bad = await api()
        .put(`/v1/workflows/${await createWorkflow()}/draft`)
        .set(as(org.apiKey))
        .send({ definition: { startNodeId: 'a', nodes: [{ id: 'a', type: 'condition' }] } })
        .expect(400);
      expect(bad.body.details).toEqual([
        expect.objectContaining({
          field: 'definition.nodes[0].config',
          message: expect.stringContaining('definition.nodes[0].config'),
        }),
      ]);
    });

    it('refuses a body over the size limit with 413 and stores nothing', async () => {
      const huge = { name: 'huge', description: 'x'.repeat(3 * 1024 * 1024), definition };
      const response = await api().post('/v1/workflows').set(as(org.apiKey)).send(huge).expect(413);
      expect(response.body).toEqual({
        statusCode: 413,
        error: 'Payload Too Large',
        message: 'Request body is larger than the allowed limit',
      });
    });

    it('refuses at the door what the store would refuse later: deep nesting, $ and dotted keys', async () => {
      const nested = (levels: number): unknown => {
        let value: unknown = 1;
        for (let level = 0; level < levels; level += 1) value = { next: value };
        return value;
      };
      for (const levels of [150, 10_000]) {
        // Written as text: the test client's own serializer recurses.
        const deepText = `${'{"next":'.repeat(levels)}1${'}'.repeat(levels)}`;
        const response = await api()
          .post('/v1/workflows')
          .set(as(org.apiKey))
          .set('content-type', 'application/json')
          .send(`{"name":"deep","definition":${deepText}}`)
          .expect(400);
        expect(response.body.message).toBe('The request body is nested deeper than 100 levels');
      }
      const id = await createWorkflow();
      await api().post(`/v1/workflows/${id}/publish`).set(as(org.apiKey)).expect(201);
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ $where: 'sleep(1000)' }, 'inputs.$where'],
        [{ job: { 'title.en': 'Nurse' } }, 'inputs.job["title.en"]'],
        [nested(80) as Record<string, unknown>, 'inputs'],
      ];
      for (const [inputs, field] of cases) {
        const response = await api()
          .post(`/v1/workflows/${id}/runs`)
          .set(as(org.apiKey))
          .send({ triggerSource: 'API', candidateProfileIds: ['cp_door'], inputs })
          .expect(400);
        expect(response.body.details[0].field.startsWith(field) || response.body.message.includes(field)).toBe(true);
      }
      // An input named like an Object.prototype member is refused (class-transformer would drop it).
      const call = await api()
        .post(`/v1/workflows/${id}/call`)
        .set(as(org.apiKey))
        .send({ inputs: { toString: 'x' } });
      expect(call.status).toBe(400);
      expect(call.body.details).toEqual([
        {
          field: 'inputs.toString',
          message: 'inputs.toString: a key may not be named like a built-in object property',
        },
      ]);
      const runs = await api().get(`/v1/workflow-runs?workflowId=${id}`).set(as(org.apiKey)).expect(200);
      expect(runs.body.data).toEqual([]);
    });

    it('validates list queries and cursors', async () => {
      const zero = await api().get('/v1/workflows?limit=0').set(as(org.apiKey)).expect(400);
      expect(zero.body.details[0].field).toBe('limit');
      const cursor = await api().get('/v1/workflows?cursor=garbage').set(as(org.apiKey)).expect(400);
      expect(cursor.body.details[0].field).toBe('cursor');
      await api().get('/v1/workflows?sort=name').set(as(org.apiKey)).expect(400);
    });

    it('pages through workflows newest first without gaps or repeats', async () => {
      const fresh = await createOrganization(platform.apiUrl, 'Paging');
      const ids: string[] = [];
      for (let index = 0; index < 5; index += 1) {
        const response = await api()
          .post('/v1/workflows')
          .set(as(fresh.apiKey))
          .send({ name: `wf${index}`, definition });
        ids.push(response.body.id);
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      const pageSizes: number[] = [];
      do {
        const page: request.Response = await api()
          .get('/v1/workflows')
          .query({ limit: 2, ...(cursor ? { cursor } : {}) })
          .set(as(fresh.apiKey))
          .expect(200);
        pageSizes.push(page.body.data.length);
        seen.push(...page.body.data.map((workflow: { id: string }) => workflow.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(pageSizes).toEqual([2, 2, 1]);
      expect(seen).toEqual([...ids].reverse());
    });
  });

  describe('publishing', () => {
    it('answers 422 listing every bad node and why, and publishes nothing', async () => {
      const broken = {
        startNodeId: 'screen',
        nodes: [
          {
            id: 'screen',
            type: 'screeningOutreach',
            config: { channels: ['pigeon'], questions: [] },
            transitions: { onComplete: 'nowhere' },
          },
          {
            id: 'loopA',
            type: 'condition',
            config: { branches: [{ when: { path: 'inputs.x', op: 'exists' }, target: 'loopB' }] },
          },
          {
            id: 'loopB',
            type: 'webhook',
            config: { method: 'GET', url: 'https://example.test' },
            transitions: { onSuccess: 'loopA' },
          },
        ],
      };
      const id = await createWorkflow({ definition: broken });
      const response = await api().post(`/v1/workflows/${id}/publish`).set(as(org.apiKey)).expect(422);
      expect(response.body.statusCode).toBe(422);
      expect(response.body.message).toMatch(/^The draft cannot be published: \d+ problems$/);
      const byNode = (nodeId: string) =>
        response.body.details.filter((detail: { nodeId: string | null }) => detail.nodeId === nodeId);
      expect(byNode('screen')).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ field: 'nodes[0].config.channels' }),
          expect.objectContaining({
            field: 'nodes[0].transitions.onComplete',
            message: expect.stringContaining('nowhere'),
          }),
        ]),
      );
      expect(byNode('loopA').length + byNode('loopB').length).toBeGreaterThan(0);
      expect(JSON.stringify(response.body.details)).toMatch(/unreachable|cycle|loop/i);
      const versions = await api().get(`/v1/workflows/${id}/versions`).set(as(org.apiKey)).expect(200);
      expect(versions.body.data).toEqual([]);
    });

    it('numbers versions 1, 2, 3 and emits a schema-valid WORKFLOW_PUBLISHED for each', async () => {
      const id = await createWorkflow({ externalId: 'ext-versions' });
      const numbers: number[] = [];
      for (let index = 0; index < 3; index += 1) {
        const response = await api().post(`/v1/workflows/${id}/publish`).set(as(org.apiKey)).expect(201);
        numbers.push(response.body.versionNumber);
      }
      expect(numbers).toEqual([1, 2, 3]);
      const versions = await api().get(`/v1/workflows/${id}/versions`).set(as(org.apiKey)).expect(200);
      expect(versions.body.data.map((version: { versionNumber: number }) => version.versionNumber)).toEqual([3, 2, 1]);
      const read = await api().get(`/v1/workflows/${id}`).set(as(org.apiKey)).expect(200);
      expect(read.body.latestVersion.versionNumber).toBe(3);

      const events = await waitFor(async () => {
        const found = await platform.events.find(
          (event) => event.type === 'WORKFLOW_PUBLISHED' && event.data['recordId'] === id,
        );
        return found.length === 3 ? found : undefined;
      });
      for (const event of events) {
        expect(schemaErrors(WorkflowEventType.Published, event.data)).toEqual([]);
        expect(event.data).toMatchObject({ recordId: id, workflowExternalId: 'ext-versions', organizationId: org.id });
      }
      expect(events.map((event) => event.data.versionNumber).sort()).toEqual([1, 2, 3]);
    });

    it('gives concurrent publishes distinct version numbers', async () => {
      const id = await createWorkflow();
      const responses = await Promise.all(
        Array.from({ length: 4 }, () => api().post(`/v1/workflows/${id}/publish`).set(as(org.apiKey))),
      );
      const published = responses
        .filter((response) => response.status === 201)
        .map((response) => response.body.versionNumber);
      expect(new Set(published).size).toBe(published.length);
      expect(published.sort()).toEqual([1, 2, 3, 4].slice(0, published.length));
    });
  });

  describe('Idempotency-Key', () => {
    it('replays the first response for the same key and body', async () => {
      const body = { name: 'idem', definition };
      const first = await api()
        .post('/v1/workflows')
        .set(as(org.apiKey))
        .set('Idempotency-Key', 'create-1')
        .send(body)
        .expect(201);
      const again = await api()
        .post('/v1/workflows')
        .set(as(org.apiKey))
        .set('Idempotency-Key', 'create-1')
        .send(body)
        .expect(201);
      expect(again.body).toEqual(first.body);
      expect(again.headers['idempotent-replayed']).toBe('true');
      const count = await mongo
        .db(platform.databases['workflow-api'])
        .collection('workflows')
        .countDocuments({ name: 'idem' });
      expect(count).toBe(1);
    });

    it('answers 422 when the key is reused with another body', async () => {
      await api()
        .post('/v1/workflows')
        .set(as(org.apiKey))
        .set('Idempotency-Key', 'create-2')
        .send({ name: 'a', definition })
        .expect(201);
      const response = await api()
        .post('/v1/workflows')
        .set(as(org.apiKey))
        .set('Idempotency-Key', 'create-2')
        .send({ name: 'b', definition })
        .expect(422);
      expect(response.body.details).toEqual([expect.objectContaining({ field: 'Idempotency-Key' })]);
    });

    it('publishes once however often a keyed publish is retried', async () => {
      const id = await createWorkflow();
      const first = await api()
        .post(`/v1/workflows/${id}/publish`)
        .set(as(org.apiKey))
        .set('Idempotency-Key', `pub-${id}`)
        .expect(201);
      const retried = await api()
        .post(`/v1/workflows/${id}/publish`)
        .set(as(org.apiKey))
        .set('Idempotency-Key', `pub-${id}`)
        .expect(201);
      expect(retried.body).toEqual(first.body);
      const versions = await api().get(`/v1/workflows/${id}/versions`).set(as(org.apiKey)).expect(200);
      expect(versions.body.data).toHaveLength(1);
    });

    it('scopes keys to the organization and replays recorded errors', async () => {
      const id = await createWorkflow();
      const runs = { triggerSource: 'API', candidateProfileIds: ['cp_1'] };
      const unpublished = await api()
        .post(`/v1/workflows/${id}/runs`)
        .set(as(org.apiKey))
        .set('Idempotency-Key', 'shared')
        .send(runs)
        .expect(409);
      const replayed = await api()
        .post(`/v1/workflows/${id}/runs`)
        .set(as(org.apiKey))
        .set('Idempotency-Key', 'shared')
        .send(runs)
        .expect(409);
      expect(replayed.body).toEqual(unpublished.body);
      // the same key from another organization is a different key
      await api()
        .post(`/v1/workflows/${id}/runs`)
        .set(as(other.apiKey))
        .set('Idempotency-Key', 'shared')
        .send(runs)
        .expect(404);
    });

    it('rejects a malformed key', async () => {
      const response = await api()
        .post('/v1/workflows')
        .set(as(org.apiKey))
        .set('Idempotency-Key', 'x'.repeat(300))
        .send({ name: 'k', definition })
        .expect(400);
      expect(response.body.details[0].field).toBe('Idempotency-Key');
    });
  });

  describe('archiving', () => {
    it('cancels active runs with WORKFLOW_RUN_CANCELLED and refuses new runs and publishes', async () => {
      const id = await createWorkflow({ externalId: 'to-archive' });
      await api().post(`/v1/workflows/${id}/publish`).set(as(org.apiKey)).expect(201);
      const accepted = await api()
        .post(`/v1/workflows/${id}/runs`)
        .set(as(org.apiKey))
        .send({ triggerSource: 'API', candidateProfileIds: ['cp_a', 'cp_b'] })
        .expect(202);
      const runs = mongo.db(platform.databases['workflow-processor']).collection('runs');
      await waitFor(
        async () => (await runs.countDocuments({ _id: { $in: accepted.body.runIds }, status: 'RUNNING' })) === 2,
      );

      const archived = await api().post(`/v1/workflows/${id}/archive`).set(as(org.apiKey)).expect(200);
      expect(archived.body.status).toBe('ARCHIVED');
      await api().post(`/v1/workflows/${id}/archive`).set(as(org.apiKey)).expect(200); // idempotent

      const cancelled = await waitFor(async () => {
        const found = await platform.events.find(
          (event) => event.type === 'WORKFLOW_RUN_CANCELLED' && accepted.body.runIds.includes(event.data['recordId']),
        );
        return found.length === 2 ? found : undefined;
      });
      for (const event of cancelled) {
        expect(schemaErrors(WorkflowEventType.RunCancelled, event.data)).toEqual([]);
        expect(event.data).toMatchObject({
          outcome: 'cancelled',
          cancellationReason: 'Workflow archived',
          workflowExternalId: 'to-archive',
          truncated: false,
          nodes: [],
        });
      }
      expect(await runs.countDocuments({ _id: { $in: accepted.body.runIds }, status: 'CANCELLED' })).toBe(2);

      await api().post(`/v1/workflows/${id}/publish`).set(as(org.apiKey)).expect(409);
      await api().put(`/v1/workflows/${id}/draft`).set(as(org.apiKey)).send({ definition }).expect(409);
      await api()
        .post(`/v1/workflows/${id}/runs`)
        .set(as(org.apiKey))
        .send({ triggerSource: 'API', candidateProfileIds: ['cp_c'] })
        .expect(409);
      const listed = await api().get('/v1/workflows?status=ARCHIVED').set(as(org.apiKey)).expect(200);
      expect(listed.body.data.map((workflow: { id: string }) => workflow.id)).toContain(id);
    });
  });

  describe('reference', () => {
    it('lists every event type with a JSON Schema of its payload', async () => {
      const response = await api().get('/v1/event-types').set(as(org.apiKey)).expect(200);
      expect(response.body.data.map((entry: { event: string }) => entry.event).sort()).toEqual(
        [...ALL_WORKFLOW_EVENT_TYPES].sort(),
      );
      for (const entry of response.body.data) {
        expect(entry.schema).toMatchObject({ type: 'object', additionalProperties: false });
        expect(entry.schema.required).toEqual(expect.arrayContaining(['recordId', 'organizationId']));
      }
      expect(response.body.envelope.required).toEqual(['event', 'eventId', 'eventTimestamp', 'data']);
    });

    it('serves OpenAPI 3 with every route and its error responses', async () => {
      const spec = (await api().get('/docs-json').expect(200)).body;
      expect(spec.openapi).toMatch(/^3\./);
      const routes = Object.entries(
        spec.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>,
      ).flatMap(([route, methods]) =>
        Object.entries(methods).map(([method, operation]) => ({
          route: `${method.toUpperCase()} ${route}`,
          operation,
        })),
      );
      expect(routes.map((entry) => entry.route).sort()).toEqual(
        [
          'POST /v1/orgs',
          'POST /v1/workflows',
          'GET /v1/workflows',
          'GET /v1/workflows/{id}',
          'PUT /v1/workflows/{id}/draft',
          'POST /v1/workflows/{id}/publish',
          'GET /v1/workflows/{id}/versions',
          'POST /v1/workflows/{id}/archive',
          'POST /v1/workflows/{id}/runs',
          'POST /v1/workflows/{id}/call',
          'GET /v1/event-types',
          'GET /health/live',
          'GET /health/ready',
          'GET /v1/workflow-runs',
          'GET /v1/workflow-runs/{runId}',
          'POST /v1/workflow-runs/{runId}/cancel',
          'POST /v1/workflow-runs/{runId}/retry',
          'POST /v1/conversations/{conversationId}/outcome',
          'POST /v1/webhook-endpoints',
          'GET /v1/webhook-endpoints',
          'GET /v1/webhook-endpoints/{id}',
          'PATCH /v1/webhook-endpoints/{id}',
          'DELETE /v1/webhook-endpoints/{id}',
          'POST /v1/webhook-endpoints/{id}/rotate-secret',
          'POST /v1/webhook-endpoints/{id}/test',
          'POST /v1/webhook-endpoints/{id}/recover',
          'GET /v1/webhook-endpoints/{id}/deliveries',
          'POST /v1/webhook-deliveries/{id}/replay',
          'POST /v1/workflow-calls/signing-secret',
          'POST /v1/workflow-calls/signing-secret/rotate',
          'GET /v1/workflow-calls/deliveries',
          'GET /v1/admin/queues',
          'GET /v1/admin/dead-letters/{service}',
          'DELETE /v1/admin/dead-letters/{service}',
          'POST /v1/admin/dead-letters/{service}/replay',
          'GET /v1/admin/dead-letters/{service}/{messageId}',
          'POST /v1/admin/dead-letters/{service}/{messageId}/replay',
          'DELETE /v1/admin/dead-letters/{service}/{messageId}',
        ].sort(),
      );
      for (const { route, operation } of routes.filter((entry) => entry.route.includes('/v1/'))) {
        expect({ route, has400or401: '400' in operation.responses || '401' in operation.responses }).toEqual({
          route,
          has400or401: true,
        });
      }
      expect(spec.components.schemas.ErrorBodyDto).toBeDefined();
      await api().get('/docs').expect(200).expect('content-type', /html/);
    });
  });
});

describe('workflow-api rate limit per API key', () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await Platform.start({ 'workflow-api': { API_RATE_LIMIT: '3', API_RATE_LIMIT_WINDOW_MS: '60000' } });
  });

  afterAll(async () => {
    await platform?.stop();
  });

  it('answers 429 with Retry-After past the limit, for that key only', async () => {
    const limited = await createOrganization(platform.apiUrl, 'Busy');
    const calm = await createOrganization(platform.apiUrl, 'Calm');
    for (let index = 0; index < 3; index += 1) {
      await request(platform.apiUrl).get('/v1/workflows').set('Authorization', `Bearer ${limited.apiKey}`).expect(200);
    }
    const refused = await request(platform.apiUrl)
      .get('/v1/workflows')
      .set('Authorization', `Bearer ${limited.apiKey}`)
      .expect(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.body).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: expect.stringContaining('Rate limit of 3 requests'),
    });
    await request(platform.apiUrl).get('/v1/workflows').set('Authorization', `Bearer ${calm.apiKey}`).expect(200);
  });
});
