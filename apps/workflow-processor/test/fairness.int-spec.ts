import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { MongoClient } from 'mongodb';
import { createEnvelope, RunsCancelCommand, RunsStartCommand, VersionsRegisterCommand } from '@wfp/contracts';
import { MessagePublisherService } from '@wfp/messaging';
import { IsolatedInfra, waitFor } from '@wfp/testing';
import { bootstrap } from '../src/bootstrap';

/**
 * One organization's slow webhook target must not stall the others: a message works on a run for
 * its time budget at most (the rest is queued), an organization holds a bounded share of the
 * consumer, and cancels have a queue of their own. The processor runs in-process on a small
 * prefetch so that, without these rules, the busy organization would hold every slot.
 */
describe('workflow-processor: one organization cannot stall the others', () => {
  const SLOW_ANSWER_MS = 400;
  const SLOW_ATTEMPTS = 4;
  let isolated: IsolatedInfra;
  let app: INestApplication;
  let mongo: MongoClient;
  let target: Server;
  let targetUrl = '';
  const slowCalls: string[] = [];
  let slowInFlight = 0;
  let slowInFlightPeak = 0;

  beforeAll(async () => {
    target = createServer((request, response) => {
      request.resume();
      if (request.url === '/fast') return response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      slowCalls.push(String(request.headers['idempotency-key']));
      slowInFlight += 1;
      slowInFlightPeak = Math.max(slowInFlightPeak, slowInFlight);
      setTimeout(() => {
        slowInFlight -= 1;
        response.writeHead(503).end();
      }, SLOW_ANSWER_MS);
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;

    isolated = await IsolatedInfra.create('fairness');
    mongo = await MongoClient.connect(isolated.infra.mongoUrl);
    app = await bootstrap(
      isolated.serviceEnv({
        MESSAGING_URL: 'http://127.0.0.1:9',
        WORKFLOW_PROCESSOR_PORT: '0',
        ALLOW_LOOPBACK_TARGETS: 'true',
        AMQP_PREFETCH: '4',
        AMQP_RETRY_DELAYS_MS: '100,200,400',
        RUN_ORGANIZATION_CONCURRENCY: '2',
        RUN_MESSAGE_BUDGET_MS: '300',
        OUTBOUND_RETRY_BACKOFF_MS: '50',
      }),
    );
    await isolated.consuming('workflow-processor.commands');
    await isolated.consuming('workflow-processor.control');
  });

  afterAll(async () => {
    await app?.close();
    await mongo?.close();
    await isolated?.cleanup();
    await new Promise((resolve) => target?.close(resolve));
  });

  const runs = () =>
    mongo.db(isolated.database).collection<{ _id: string; status: string; errorCode?: string }>('runs');

  async function register(organizationId: string, workflowId: string, path: string, retries: number): Promise<void> {
    const definition = {
      startNodeId: 'call',
      nodes: [
        {
          id: 'call',
          type: 'webhook',
          config: { method: 'POST', url: `${targetUrl}${path}`, body: {}, timeoutSeconds: 5, retries },
          transitions: { onSuccess: 'done' },
        },
        { id: 'done', type: 'output', config: { value: 1 } },
      ],
    };
    const version = {
      workflowId,
      workflowVersionId: `${workflowId}_v1`,
      versionNumber: 1,
      workflowExternalId: null,
      definition,
    };
    await app
      .get(MessagePublisherService)
      .publish('commands', createEnvelope(VersionsRegisterCommand, version, { organizationId }));
    await waitFor(
      () =>
        mongo
          .db(isolated.database)
          .collection('workflow_versions')
          .findOne({ _id: version.workflowVersionId as never }),
      { what: `the version copy of ${workflowId}` },
    );
  }

  const start = (organizationId: string, workflowId: string, runId: string) =>
    app.get(MessagePublisherService).publish(
      'commands',
      createEnvelope(
        RunsStartCommand,
        {
          runId,
          workflowId,
          workflowVersionId: `${workflowId}_v1`,
          versionNumber: 1,
          workflowExternalId: null,
          candidateProfileId: `cp_${runId}`,
          candidateProfileExternalId: null,
          triggerSource: 'API',
        },
        { organizationId },
      ),
    );

  it('completes another organization’s runs and a cancel while one organization’s target is slow', async () => {
    await register('org_busy', 'wf_slow', '/slow', SLOW_ATTEMPTS - 1);
    await register('org_calm', 'wf_fast', '/fast', 0);
    const busy = Array.from({ length: 8 }, (_, index) => `run_busy_${index}`);
    for (const runId of busy) await start('org_busy', 'wf_slow', runId);
    await waitFor(() => slowCalls.length >= 2 || null, { what: 'the busy organization’s first calls' });

    const calm = ['run_calm_0', 'run_calm_1', 'run_calm_2'];
    for (const runId of calm) await start('org_calm', 'wf_fast', runId);
    await waitFor(
      async () => (await runs().countDocuments({ _id: { $in: calm }, status: 'COMPLETED' })) === calm.length || null,
      { what: 'the calm organization’s runs to complete' },
    );
    // Each busy run needs four slow answers: none of them has ended yet.
    expect(await runs().countDocuments({ _id: { $in: busy }, status: { $ne: 'RUNNING' } })).toBe(0);

    // A cancel does not wait behind the busy runs either.
    await app
      .get(MessagePublisherService)
      .publish(
        'commands',
        createEnvelope(RunsCancelCommand, { runId: busy[7], reason: 'test' }, { organizationId: 'org_busy' }),
      );
    await waitFor(() => runs().findOne({ _id: busy[7], status: 'CANCELLED' }), { what: 'the cancel' });
    expect(await runs().countDocuments({ _id: { $in: busy.slice(0, 7) }, status: { $ne: 'RUNNING' } })).toBeLessThan(7);

    // The busy runs end as their webhook node says: each made exactly its four attempts, some of
    // them in later messages (the budget is shorter than one answer), and never more than three at
    // a time (its share of two, and one more while the instance has room to spare: the last of the
    // four prefetch slots is always left to others).
    const ended = await waitFor(
      async () => {
        const found = await runs()
          .find({ _id: { $in: busy.slice(0, 7) }, status: { $ne: 'RUNNING' } })
          .toArray();
        return found.length === 7 ? found : null;
      },
      { what: 'the busy runs to end', progress: () => slowCalls.length },
    );
    expect(ended.map((run) => [run.status, run.errorCode])).toEqual(
      Array(7).fill(['FAILED', 'DOWNSTREAM_SERVICE_ERROR']),
    );
    for (const runId of busy.slice(0, 7))
      expect({ runId, calls: slowCalls.filter((key) => key === `${runId}:call:1`).length }).toEqual({
        runId,
        calls: SLOW_ATTEMPTS,
      });
    expect(slowInFlightPeak).toBeLessThanOrEqual(3);
  }, 120_000);
});
