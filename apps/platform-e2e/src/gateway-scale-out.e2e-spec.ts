import request from 'supertest';
import { Platform, waitFor, type ServiceProcess } from '@wfp/testing';
import { createOrganization } from './support/fixtures';

const definition = { startNodeId: 'done', nodes: [{ id: 'done', type: 'output', config: { value: 1 } }] };

/**
 * Two gateway instances. Each keeps the workflows it starts runs of in memory (no store read per
 * run request); a publish or an archive through one reaches the other by broadcast, well within
 * the cache's 30 s expiry, so the other starts the new version, or refuses, almost at once.
 */
describe('gateway scale-out: a publish or an archive on one instance reaches the others', () => {
  let platform: Platform;
  let second: ServiceProcess;

  beforeAll(async () => {
    platform = await Platform.start();
    second = await platform.addInstance('workflow-api');
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
  });

  it('starts the newest version and refuses an archived workflow through the other instance', async () => {
    const org = await createOrganization(platform.apiUrl, 'Two gateways');
    const auth = { Authorization: `Bearer ${org.apiKey}` };
    const first = request(platform.apiUrl);
    const other = () => request(second.url);
    const created = await first.post('/v1/workflows').set(auth).send({ name: 'cached', definition }).expect(201);
    const id = created.body.id as string;
    const v1 = await first.post(`/v1/workflows/${id}/publish`).set(auth).expect(201);

    const versionOfRun = async (runId: string) =>
      waitFor(
        async () =>
          (
            await platform.events.findOne(
              (event) => event.type === 'WORKFLOW_RUN_STARTED' && event.data['recordId'] === runId,
            )
          )?.data['workflowVersionId'],
        { what: `the start of ${runId}` },
      );
    const runThroughOther = async () => {
      const accepted = await other()
        .post(`/v1/workflows/${id}/runs`)
        .set(auth)
        .send({ triggerSource: 'API', candidateProfileIds: [`cp_${Math.random().toString(36).slice(2)}`] })
        .expect(202);
      return versionOfRun(accepted.body.runIds[0] as string);
    };
    // The other instance now holds version 1 in memory.
    expect(await runThroughOther()).toBe(v1.body.workflowVersionId);

    const v2 = await first.post(`/v1/workflows/${id}/publish`).set(auth).expect(201);
    // Well under the 30 s expiry: it is the notice that made the other instance read again.
    await waitFor(async () => (await runThroughOther()) === v2.body.workflowVersionId, {
      timeoutMs: 5000,
      what: 'the other instance to start version 2',
    });

    await first.post(`/v1/workflows/${id}/archive`).set(auth).expect(200);
    await waitFor(
      async () =>
        (
          await other()
            .post(`/v1/workflows/${id}/runs`)
            .set(auth)
            .send({ triggerSource: 'API', candidateProfileIds: ['cp_after_archive'] })
        ).status === 409,
      { timeoutMs: 5000, what: 'the other instance to refuse the archived workflow' },
    );
  }, 60_000);
});
