import request from 'supertest';
import { MongoClient } from 'mongodb';
import { WorkflowEventType } from '@wfp/contracts';
import { Platform, waitFor, type RecordedEvent } from '@wfp/testing';
import { createOrganization, schemaErrors } from './support/fixtures';

/** One outreach that never replies: runs stay RUNNING, so their claims stay held. */
const waitingGraph = {
  startNodeId: 'ask',
  nodes: [
    {
      id: 'ask',
      type: 'engagementOutreach',
      config: { channels: ['sms'], replyWindowSeconds: 3600, questions: [] },
      transitions: { onComplete: null },
    },
  ],
};

/** Fails at once: its webhook target refuses connections (DOWNSTREAM_SERVICE_ERROR). */
const failingGraph = {
  startNodeId: 'call',
  nodes: [
    {
      id: 'call',
      type: 'webhook',
      config: { method: 'POST', url: 'http://127.0.0.1:9/unreachable', timeoutSeconds: 1, retries: 0 },
      transitions: { onSuccess: null },
    },
  ],
};

/** Completes at once. */
const instantGraph = { startNodeId: 'done', nodes: [{ id: 'done', type: 'output', config: { value: 1 } }] };

describe('contact-resolver: inline contacts to candidate profiles and runs (real RabbitMQ and FerretDB)', () => {
  let platform: Platform;
  let mongo: MongoClient;
  let org: { id: string; apiKey: string };

  const api = () => request(platform.apiUrl);
  const auth = () => ({ Authorization: `Bearer ${org.apiKey}` });
  const contactEventsOf = (workflowId: string) =>
    platform.events.find(
      (event) => event.data['workflowId'] === workflowId && event.type.startsWith('WORKFLOW_CONTACT_'),
    );

  async function publish(
    definition: object,
    externalId = 'contacts-wf',
  ): Promise<{ workflowId: string; workflowVersionId: string }> {
    const created = await api()
      .post('/v1/workflows')
      .set(auth())
      .send({ name: 'c', externalId, definition })
      .expect(201);
    const version = await api().post(`/v1/workflows/${created.body.id}/publish`).set(auth()).expect(201);
    return { workflowId: created.body.id, workflowVersionId: version.body.workflowVersionId };
  }

  async function requestRuns(workflowId: string, body: object): Promise<{ requestId: string; runIds: string[] }> {
    const accepted = await api()
      .post(`/v1/workflows/${workflowId}/runs`)
      .set(auth())
      .send({ triggerSource: 'API', ...body })
      .expect(202);
    return accepted.body;
  }

  /** The contact events of a workflow, once `count` of them have arrived. */
  async function contactEvents(workflowId: string, count: number): Promise<RecordedEvent[]> {
    return waitFor(
      async () => {
        const events = await contactEventsOf(workflowId);
        return events.length >= count ? events.sort((a, b) => a.data.contactIndex - b.data.contactIndex) : undefined;
      },
      { timeoutMs: 30_000, what: `${count} contact events` },
    );
  }

  beforeAll(async () => {
    platform = await Platform.start({ 'contact-resolver': { DEFAULT_PHONE_REGION: 'GB' } });
    mongo = await MongoClient.connect(platform.mongoServerUrl);
    org = await createOrganization(platform.apiUrl, 'Contacts Ltd');
  });

  afterAll(async () => {
    await mongo?.close();
    await platform?.stop();
  });

  it('creates a profile for a new contact and emits WORKFLOW_CONTACT_RESOLVED as the catalogue says, then runs it', async () => {
    const { workflowId, workflowVersionId } = await publish(instantGraph);
    const { runIds } = await requestRuns(workflowId, {
      contacts: [{ externalId: 'ats_1', email: '  Ada@Example.COM ', phoneNumber: '07911 123456', firstName: 'Ada' }],
    });
    const [resolved] = await contactEvents(workflowId, 1);
    expect(resolved.type).toBe('WORKFLOW_CONTACT_RESOLVED');
    expect(resolved.data).toEqual({
      recordId: runIds[0],
      organizationId: org.id,
      workflowId,
      workflowExternalId: 'contacts-wf',
      workflowVersionId,
      versionNumber: 1,
      candidateProfileId: expect.stringMatching(/^cp_/),
      externalId: 'ats_1',
      email: 'ada@example.com',
      phoneNumber: '+447911123456',
      isNewProfile: true,
      contactIndex: 0,
      rejectedIdentifiers: [],
    });
    expect(schemaErrors(WorkflowEventType.ContactResolved, resolved.data)).toEqual([]);
    const started = await waitFor(() => platform.events.about('WORKFLOW_RUN_STARTED', runIds[0]));
    expect(started.data).toMatchObject({
      candidateProfileId: resolved.data.candidateProfileId,
      candidateProfileExternalId: 'ats_1',
    });
  });

  it('matches an existing profile by externalId, by email and by phone, within the organization only', async () => {
    const first = await publish(instantGraph);
    await requestRuns(first.workflowId, {
      contacts: [{ externalId: 'ats_77', email: 'grace@example.com', phoneNumber: '+44 7911 000777' }],
    });
    const [created] = await contactEvents(first.workflowId, 1);
    const profileId = created.data.candidateProfileId;

    const second = await publish(instantGraph);
    await requestRuns(second.workflowId, {
      contacts: [
        { externalId: 'ats_77' },
        { email: 'GRACE@example.com' },
        { phoneNumber: '07911 000777' },
        { email: 'someone.else@example.com' },
      ],
    });
    const events = await contactEvents(second.workflowId, 4);
    // Items 0-2 are the same person as before (one run on this version, the others skipped);
    // item 3 is someone new.
    const samePerson = events.slice(0, 3);
    expect(samePerson.map((event) => event.data.candidateProfileId)).toEqual([profileId, profileId, profileId]);
    expect(samePerson.map((event) => event.type).sort()).toEqual([
      'WORKFLOW_CONTACT_RESOLUTION_SKIPPED',
      'WORKFLOW_CONTACT_RESOLUTION_SKIPPED',
      'WORKFLOW_CONTACT_RESOLVED',
    ]);
    expect(samePerson.find((event) => event.type === 'WORKFLOW_CONTACT_RESOLVED')?.data.isNewProfile).toBe(false);
    expect(events[3].data).toMatchObject({ isNewProfile: true });
    expect(events[3].data.candidateProfileId).not.toBe(profileId);

    const other = await createOrganization(platform.apiUrl, 'Other org');
    const theirs = await request(platform.apiUrl)
      .post('/v1/workflows')
      .set({ Authorization: `Bearer ${other.apiKey}` })
      .send({ name: 'x', definition: instantGraph })
      .expect(201);
    await request(platform.apiUrl)
      .post(`/v1/workflows/${theirs.body.id}/publish`)
      .set({ Authorization: `Bearer ${other.apiKey}` })
      .expect(201);
    await request(platform.apiUrl)
      .post(`/v1/workflows/${theirs.body.id}/runs`)
      .set({ Authorization: `Bearer ${other.apiKey}` })
      .send({ triggerSource: 'API', contacts: [{ externalId: 'ats_77' }] })
      .expect(202);
    const [elsewhere] = await contactEvents(theirs.body.id, 1);
    expect(elsewhere.data).toMatchObject({ isNewProfile: true, organizationId: other.id });
    expect(elsewhere.data.candidateProfileId).not.toBe(profileId);
  });

  it('resolves concurrent duplicates of one person to one profile and one run, skipping the rest', async () => {
    const { workflowId } = await publish(waitingGraph);
    const same = { email: 'twin+noreply@example.com' };
    const { runIds } = await requestRuns(workflowId, { contacts: [same, same, same, same, same] });
    const events = await contactEvents(workflowId, 5);
    const resolved = events.filter((event) => event.type === 'WORKFLOW_CONTACT_RESOLVED');
    const skipped = events.filter((event) => event.type === 'WORKFLOW_CONTACT_RESOLUTION_SKIPPED');
    expect(resolved).toHaveLength(1);
    expect(skipped).toHaveLength(4);
    for (const event of skipped) {
      expect(event.data).toEqual({
        recordId: resolved[0].data.recordId,
        organizationId: org.id,
        workflowId,
        workflowExternalId: 'contacts-wf',
        candidateProfileId: resolved[0].data.candidateProfileId,
        externalId: null,
        email: 'twin+noreply@example.com',
        phoneNumber: null,
        existingRunStatus: 'RUNNING',
        contactIndex: expect.any(Number),
        rejectedIdentifiers: [],
      });
      expect(schemaErrors(WorkflowEventType.ContactResolutionSkipped, event.data)).toEqual([]);
    }
    expect(runIds).toContain(resolved[0].data.recordId);
    const profiles = await mongo
      .db(platform.databases['contact-resolver'])
      .collection('candidate_profiles')
      .countDocuments({ email: 'twin+noreply@example.com' });
    expect(profiles).toBe(1);
  });

  it('releases the claim when the run is cancelled, so the candidate can run again', async () => {
    const { workflowId } = await publish(waitingGraph);
    const first = await requestRuns(workflowId, { contacts: [{ email: 'again+noreply@example.com' }] });
    await waitFor(() => platform.events.about('WORKFLOW_RUN_STARTED', first.runIds[0]));
    const second = await requestRuns(workflowId, { contacts: [{ email: 'again+noreply@example.com' }] });
    const skippedWhileRunning = await waitFor(() =>
      platform.events.about('WORKFLOW_CONTACT_RESOLUTION_SKIPPED', first.runIds[0]),
    );
    expect(skippedWhileRunning.data.existingRunStatus).toBe('RUNNING');
    expect(second.runIds[0]).not.toBe(first.runIds[0]);

    await api()
      .post(`/v1/workflow-runs/${first.runIds[0]}/cancel`)
      .set(auth())
      .send({ reason: 'retry later' })
      .expect(202);
    await waitFor(() => platform.events.about('WORKFLOW_RUN_CANCELLED', first.runIds[0]));
    const claims = mongo.db(platform.databases['contact-resolver']).collection('run_claims');
    await waitFor(
      async () => (await claims.countDocuments({ runId: first.runIds[0], status: { $ne: 'ENDED' } })) === 0,
      {
        what: 'the claim release',
      },
    );

    const third = await requestRuns(workflowId, { contacts: [{ email: 'again+noreply@example.com' }] });
    const resolved = await waitFor(() => platform.events.about('WORKFLOW_CONTACT_RESOLVED', third.runIds[0]));
    expect(resolved.data.isNewProfile).toBe(false);
  });

  it('releases the claim when the run fails, so the candidate can run again', async () => {
    const { workflowId } = await publish(failingGraph);
    const first = await requestRuns(workflowId, { contacts: [{ externalId: 'fails_once' }] });
    const failed = await waitFor(() => platform.events.about('WORKFLOW_RUN_FAILED', first.runIds[0]));
    expect(failed.data.errorCode).toBe('DOWNSTREAM_SERVICE_ERROR');
    const claims = mongo.db(platform.databases['contact-resolver']).collection('run_claims');
    await waitFor(
      async () => (await claims.countDocuments({ runId: first.runIds[0], status: { $ne: 'ENDED' } })) === 0,
      {
        what: 'the claim release',
      },
    );
    const second = await requestRuns(workflowId, { contacts: [{ externalId: 'fails_once' }] });
    const resolved = await waitFor(() => platform.events.about('WORKFLOW_CONTACT_RESOLVED', second.runIds[0]));
    expect(resolved.data.candidateProfileId).toBe(failed.data.candidateProfileId);
  });

  it('keeps a completed run’s claim: the candidate is skipped with existingRunStatus COMPLETED', async () => {
    const { workflowId } = await publish(instantGraph);
    const first = await requestRuns(workflowId, { contacts: [{ externalId: 'done_once' }] });
    await waitFor(() => platform.events.about('WORKFLOW_RUN_COMPLETED', first.runIds[0]));
    const claims = mongo.db(platform.databases['contact-resolver']).collection('run_claims');
    await waitFor(() => claims.findOne({ runId: first.runIds[0], status: 'COMPLETED' }), { what: 'the settled claim' });
    await requestRuns(workflowId, { contacts: [{ externalId: 'done_once' }] });
    const skipped = await waitFor(() => platform.events.about('WORKFLOW_CONTACT_RESOLUTION_SKIPPED', first.runIds[0]));
    expect(skipped.data.existingRunStatus).toBe('COMPLETED');
  });

  it('keeps a possible phone number in E.164 and reports one that cannot be a number, never dropping it', async () => {
    const { workflowId } = await publish(instantGraph);
    // +44 7700 900xxx is reserved for drama: "not valid" to libphonenumber, but possible.
    const { runIds } = await requestRuns(workflowId, {
      contacts: [
        { phoneNumber: '+44 7700 900123', firstName: 'Drama' },
        { email: 'kept+noreply@example.com', phoneNumber: 'call me maybe' },
      ],
    });
    const events = await contactEvents(workflowId, 2);
    const byRun = (runId: string) => events.find((event) => event.data.recordId === runId);
    expect(byRun(runIds[0])?.data).toMatchObject({ phoneNumber: '+447700900123', rejectedIdentifiers: [] });
    expect(byRun(runIds[1])?.data).toMatchObject({
      email: 'kept+noreply@example.com',
      phoneNumber: null,
      rejectedIdentifiers: [{ field: 'phoneNumber', value: 'call me maybe', reason: 'NOT_A_PHONE_NUMBER' }],
    });
    for (const event of events) {
      expect(event.type).toBe('WORKFLOW_CONTACT_RESOLVED');
      expect(schemaErrors(WorkflowEventType.ContactResolved, event.data)).toEqual([]);
    }
  });

  it('fails a contact without a usable identifier exactly once, with the catalogue’s fields', async () => {
    const { workflowId } = await publish(instantGraph);
    await requestRuns(workflowId, { contacts: [{ email: 'invalid@example', phoneNumber: '12', firstName: 'Nobody' }] });
    const [failed] = await contactEvents(workflowId, 1);
    expect(failed.type).toBe('WORKFLOW_CONTACT_RESOLUTION_FAILED');
    expect(failed.data).toEqual({
      recordId: expect.stringMatching(/^contact_/),
      organizationId: org.id,
      workflowId,
      workflowExternalId: 'contacts-wf',
      externalId: null,
      email: 'invalid@example',
      phoneNumber: '12',
      contactIndex: 0,
      reason: 'NO_USABLE_IDENTIFIER',
      rejectedIdentifiers: [
        { field: 'email', value: 'invalid@example', reason: 'NOT_AN_EMAIL_ADDRESS' },
        { field: 'phoneNumber', value: '12', reason: 'NOT_A_PHONE_NUMBER' },
      ],
    });
    expect(schemaErrors(WorkflowEventType.ContactResolutionFailed, failed.data)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await contactEventsOf(workflowId)).toHaveLength(1);
  });

  it('rejects a badly shaped contact with 400 naming its index, and starts nothing', async () => {
    const { workflowId } = await publish(instantGraph);
    const response = await api()
      .post(`/v1/workflows/${workflowId}/runs`)
      .set(auth())
      .send({ triggerSource: 'API', contacts: [{ email: 'ok@example.com' }, { email: ['x'] }] })
      .expect(400);
    expect(response.body.details).toEqual([expect.objectContaining({ field: 'contacts[1].email' })]);
    await api().post(`/v1/workflows/${workflowId}/runs`).set(auth()).send({ triggerSource: 'API' }).expect(400);
    // Nothing was queued: no item of either request reached the resolver, so no run exists.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const runs = await api().get(`/v1/workflow-runs?workflowId=${workflowId}`).set(auth()).expect(200);
    expect(runs.body.data).toEqual([]);
  });

  it('accepts 1,000 contacts in one call and resolves every one of them exactly once', async () => {
    const { workflowId } = await publish(instantGraph);
    const contacts = Array.from({ length: 1000 }, (_, index) => ({
      externalId: `bulk_${index}`,
      email: `bulk${index}@example.com`,
    }));
    const accepted = await requestRuns(workflowId, { contacts });
    expect(accepted.runIds).toHaveLength(1000);
    // The embedded FerretDB scans collections for most queries, so 1,000 resolutions (and the
    // 1,000 runs they start) take minutes here; poll gently to leave it the CPU.
    const resolved = () =>
      platform.events.find(
        (event) => event.data['workflowId'] === workflowId && event.type === 'WORKFLOW_CONTACT_RESOLVED',
      );
    await waitFor(async () => (await resolved()).length >= 1000, {
      timeoutMs: 280_000,
      intervalMs: 5_000,
      what: '1000 resolutions',
    });
    const events = await resolved();
    expect(events).toHaveLength(1000);
    expect(new Set(events.map((event) => event.data.contactIndex)).size).toBe(1000);
    expect(new Set(events.map((event) => event.data.candidateProfileId)).size).toBe(1000);
    expect(events.map((event) => event.data.recordId).sort()).toEqual([...accepted.runIds].sort());
  }, 300_000);
});
