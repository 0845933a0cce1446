import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { MongoClient } from 'mongodb';
import { Platform, TEST_ADMIN_TOKEN, waitFor } from '@wfp/testing';

/** The demo graph `npm start` publishes: screen, then branch on the outcome. */
const definition = JSON.parse(
  readFileSync(path.join(__dirname, '../../../tools/demo/screening-workflow.json'), 'utf8'),
);

describe('foundation flow: gateway → processor → dispatcher over RabbitMQ and FerretDB', () => {
  let platform: Platform;
  let mongo: MongoClient;
  let apiKey: string;
  let organizationId: string;

  beforeAll(async () => {
    platform = await Platform.start();
    mongo = await MongoClient.connect(platform.mongoServerUrl);
    const created = await request(platform.apiUrl)
      .post('/v1/orgs')
      .set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
      .send({ name: 'Cedar Recruitment' })
      .expect(201);
    apiKey = created.body.apiKey;
    organizationId = created.body.id;
  });

  afterAll(async () => {
    await mongo?.close();
    await platform?.stop();
  });

  const api = () => request(platform.apiUrl);
  const auth = () => ({ Authorization: `Bearer ${apiKey}` });

  it('creates an organization whose key is shown once and stored only hashed', async () => {
    expect(apiKey).toMatch(/^wfk_[A-Za-z0-9_-]{43}$/);
    expect(organizationId).toMatch(/^org_/);
    const stored = await mongo.db(platform.databases['workflow-api']).collection('api_keys').find().toArray();
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(apiKey);
  });

  it('publishes a workflow, starts a run, and the run-started event is emitted', async () => {
    const workflow = await api()
      .post('/v1/workflows')
      .set(auth())
      .send({ name: 'RGN screening', externalId: 'cedar-rgn', definition })
      .expect(201);
    const workflowId: string = workflow.body.id;
    // The draft is stored exactly as sent: no field added, none dropped.
    const read = await api().get(`/v1/workflows/${workflowId}`).set(auth()).expect(200);
    expect(read.body.definition).toEqual(definition);
    expect(read.body.latestVersion).toBeNull();
    const version = await api().post(`/v1/workflows/${workflowId}/publish`).set(auth()).expect(201);
    expect(version.body).toEqual({
      workflowVersionId: expect.stringMatching(/^wfv_/),
      versionNumber: 1,
      publishedAt: expect.any(String),
    });

    const accepted = await api()
      .post(`/v1/workflows/${workflowId}/runs`)
      .set(auth())
      .set('X-Correlation-Id', 'e2e-foundation-1')
      .send({ triggerSource: 'API', candidateProfileIds: ['cp_42'], inputs: { jobTitle: 'RGN' } })
      .expect(202);
    expect(accepted.body).toEqual({
      requestId: expect.stringMatching(/^req_/),
      accepted: 1,
      runIds: [expect.any(String)],
    });
    const runId: string = accepted.body.runIds[0];

    // The processor stored the run, pinned to the published version, in its own database.
    const run = await waitFor(
      () =>
        mongo
          .db(platform.databases['workflow-processor'])
          .collection('runs')
          .findOne({ _id: runId as never }),
      { what: 'the run document' },
    );
    expect(run).toMatchObject({
      organizationId,
      workflowId,
      workflowVersionId: version.body.workflowVersionId,
      versionNumber: 1,
      candidateProfileId: 'cp_42',
      context: { initialize: { inputs: { jobTitle: 'RGN' } } },
    });

    // The processor emitted the event, with exactly the catalogue's fields.
    const started = await waitFor(() => platform.events.about('WORKFLOW_RUN_STARTED', runId), {
      what: 'WORKFLOW_RUN_STARTED on the events exchange',
    });
    expect(started.organizationId).toBe(organizationId);
    expect(started.correlationId).toBe('e2e-foundation-1');
    expect(started.id).toMatch(/^evt_/);
    expect(started.data).toEqual({
      recordId: runId,
      organizationId,
      workflowId,
      workflowVersionId: version.body.workflowVersionId,
      workflowExternalId: 'cedar-rgn',
      candidateProfileId: 'cp_42',
      candidateProfileExternalId: null,
      timestamp: expect.any(String),
    });

    // WORKFLOW_PUBLISHED carries recordId = workflow id and omits workflowId and candidate fields.
    const published = await waitFor(() => platform.events.about('WORKFLOW_PUBLISHED', workflowId), {
      what: 'WORKFLOW_PUBLISHED on the events exchange',
    });
    expect(published.data).toEqual({
      recordId: workflowId,
      organizationId,
      workflowExternalId: 'cedar-rgn',
      workflowVersionId: version.body.workflowVersionId,
      versionNumber: 1,
      publishedByUserId: expect.stringMatching(/^key_/),
      publishedAt: version.body.publishedAt,
    });
  });

  it('rejects requests without a valid API key', async () => {
    const response = await api().post('/v1/workflows').send({ name: 'x', definition }).expect(401);
    expect(response.body).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: expect.stringContaining('API key'),
    });
    await api().get('/v1/workflows/wf_x').set('Authorization', 'Bearer wfk_not-a-real-key').expect(401);
  });

  it("answers 404 for another organization's workflow", async () => {
    const other = await api()
      .post('/v1/orgs')
      .set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
      .send({ name: 'Other org' })
      .expect(201);
    const mine = await api().post('/v1/workflows').set(auth()).send({ name: 'private', definition }).expect(201);
    const response = await api()
      .get(`/v1/workflows/${mine.body.id}`)
      .set('Authorization', `Bearer ${other.body.apiKey}`)
      .expect(404);
    expect(response.body).toEqual({ statusCode: 404, error: 'Not Found', message: 'Workflow not found' });
  });

  it('names the bad field of an invalid request and stores nothing', async () => {
    const response = await api()
      .post('/v1/workflows')
      .set(auth())
      .send({
        name: 'bad',
        definition: { ...definition, nodes: [{ ...definition.nodes[0], type: 'sendFax' }] },
        extra: 1,
      })
      .expect(400);
    expect(response.body.message).toContain('definition.nodes[0].type must be one of');
    expect(response.body.details).toEqual(
      expect.arrayContaining([
        { field: 'extra', message: 'extra is not allowed' },
        expect.objectContaining({ field: 'definition.nodes[0].type' }),
      ]),
    );
    const stored = await mongo
      .db(platform.databases['workflow-api'])
      .collection('workflows')
      .countDocuments({ name: 'bad' });
    expect(stored).toBe(0);
  });

  it('stops every service gracefully on SIGTERM', async () => {
    const codes = await platform.stop();
    expect(codes).toEqual({
      'workflow-processor': 0,
      'webhook-dispatcher': 0,
      'contact-resolver': 0,
      'workflow-api': 0,
    });
    platform = undefined as unknown as Platform;
  });
});
