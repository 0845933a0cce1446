import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { MongoClient } from 'mongodb';
import {
  ConversationsOutcomeRequest,
  createEnvelope,
  RunsStartCommand,
  VersionsRegisterCommand,
  type MessageEnvelope,
} from '@wfp/contracts';
import { MessagePublisherService } from '@wfp/messaging';
import { IsolatedInfra, waitFor } from '@wfp/testing';
import { RunEngineService } from '@wfp/workflow-runs';
import { bootstrap } from '../src/bootstrap';

const RUNS = 24;
const origin = { organizationId: 'org_scale', correlationId: 'corr-scale' };

/** screen (waits for a conversation) → done. A timeout fails the run at `screen`. */
const definition = {
  startNodeId: 'screen',
  nodes: [
    {
      id: 'screen',
      type: 'screeningOutreach',
      config: { channels: ['email'], replyWindowSeconds: 3600, questions: [{ slug: 'rn', text: 'Are you an RN?' }] },
      transitions: { onComplete: 'done' },
    },
    { id: 'done', type: 'output', config: { value: { ok: true } } },
  ],
};

/** The messaging service: one conversation per idempotency key, as the real one does. */
async function startMessagingStub(): Promise<{ server: Server; url: string; conversationOf: Map<string, string> }> {
  const conversationOf = new Map<string, string>();
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const key = String(request.headers['idempotency-key']);
      if (!conversationOf.has(key)) conversationOf.set(key, `conv_${conversationOf.size + 1}`);
      response.writeHead(201, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ conversationId: conversationOf.get(key) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, conversationOf };
}

/**
 * Two processors on one store and one queue, racing on the same runs: the same conversation
 * outcome applied by both at once, and timers both poll for, with outcomes racing those timers.
 * The version guard on every run write and the lease on every timer must leave each run with
 * exactly one result for its waiting node and exactly one ending.
 */
describe('workflow-processor scale-out: version guards and timer leases hold across two instances', () => {
  let isolated: IsolatedInfra;
  let apps: INestApplication[];
  let mongo: MongoClient;
  let messaging: Awaited<ReturnType<typeof startMessagingStub>>;

  beforeAll(async () => {
    messaging = await startMessagingStub();
    isolated = await IsolatedInfra.create('processor_scale');
    mongo = await MongoClient.connect(isolated.infra.mongoUrl);
    const env = isolated.serviceEnv({
      MESSAGING_URL: messaging.url,
      WORKFLOW_PROCESSOR_PORT: '0',
      TIMER_POLL_INTERVAL_MS: '50',
    });
    apps = [await bootstrap(env), await bootstrap(env)];
    await isolated.consuming('workflow-processor.commands', 2);
  }, 60_000);

  afterAll(async () => {
    await Promise.all((apps ?? []).map((app) => app.close()));
    await mongo?.close();
    await isolated?.cleanup();
    await new Promise((resolve) => messaging?.server.close(resolve));
  });

  it('gives each run one result for its waiting node and one ending, whichever instance gets there first', async () => {
    const db = mongo.db(isolated.database);
    const publisher = apps[0].get(MessagePublisherService);
    await publisher.publish(
      'commands',
      createEnvelope(
        VersionsRegisterCommand,
        {
          workflowId: 'wf_scale',
          workflowVersionId: 'wfv_scale',
          versionNumber: 1,
          workflowExternalId: null,
          definition,
        },
        origin,
      ),
    );
    await waitFor(() => db.collection('workflow_versions').findOne({ _id: 'wfv_scale' as never }), {
      what: 'the version copy',
    });
    const runIds = Array.from({ length: RUNS }, (_, index) => `run_scale_${index}`);
    for (const [index, runId] of runIds.entries()) {
      await publisher.publish(
        'commands',
        createEnvelope(
          RunsStartCommand,
          {
            runId,
            workflowId: 'wf_scale',
            workflowVersionId: 'wfv_scale',
            versionNumber: 1,
            workflowExternalId: null,
            candidateProfileId: `cp_${index}`,
            candidateProfileExternalId: null,
            triggerSource: 'API',
            contact: { email: `c${index}@example.com`, phoneNumber: null },
          },
          origin,
        ),
      );
    }
    const runs = db.collection<{ _id: string; waiting: { conversationId: string } | null }>('runs');
    const waiting = await waitFor(
      async () => {
        const found = await runs.find({ _id: { $in: runIds }, waiting: { $ne: null } }).toArray();
        return found.length === RUNS ? found : null;
      },
      { what: `all ${RUNS} runs to wait for their conversation` },
    );
    const conversationOf = new Map(waiting.map((run) => [run._id, run.waiting!.conversationId]));

    // The same outcome reaching both instances at once (a repeated callback).
    const outcome = (runId: string, app: INestApplication) => {
      const request = {
        conversationId: conversationOf.get(runId)!,
        status: 'PASSED_CRITERIA' as const,
        answers: [],
        completedAt: new Date().toISOString(),
      };
      const cause: MessageEnvelope = createEnvelope(ConversationsOutcomeRequest, request, origin);
      return app.get(RunEngineService).applyConversationOutcome(request, cause);
    };
    const byOutcome = runIds.slice(0, RUNS / 2);
    const results = await Promise.all(byOutcome.map((runId) => Promise.all(apps.map((app) => outcome(runId, app)))));
    for (const [index, pair] of results.entries())
      expect({ runId: byOutcome[index], results: [...pair].sort() }).toEqual({
        runId: byOutcome[index],
        results: ['already-applied', 'resumed'],
      });

    // The other half's reply windows pass while both instances poll; a third of them also get
    // an outcome at that moment, from either instance.
    const byTimer = runIds.slice(RUNS / 2);
    const past = new Date(Date.now() - 1000);
    await Promise.all([
      db.collection('runs').updateMany({ _id: { $in: byTimer as never[] } }, { $set: { wakeAt: past } }),
      db.collection('run_timers').updateMany({ _id: { $in: byTimer as never[] } }, { $set: { wakeAt: past } }),
    ]);
    await Promise.all(byTimer.slice(0, 4).map((runId, index) => outcome(runId, apps[index % 2])));

    const terminalTypes = ['WORKFLOW_RUN_COMPLETED', 'WORKFLOW_RUN_FAILED', 'WORKFLOW_RUN_CANCELLED'];
    const events: MessageEnvelope[] = [];
    await waitFor(
      async () => {
        events.push(...(await isolated.takeEvents()));
        const ended = new Set(
          events.filter((event) => terminalTypes.includes(event.type)).map((event) => recordIdOf(event)),
        );
        return runIds.every((runId) => ended.has(runId));
      },
      { what: 'every run to end' },
    );
    // Anything published late (a duplicate) would arrive now.
    await new Promise((resolve) => setTimeout(resolve, 500));
    events.push(...(await isolated.takeEvents()));

    // Delivery is at least once: the instance that lost a race publishes again what the run
    // stored for that operation (it cannot know the winner did), always as the same event.
    const unique = new Map<string, MessageEnvelope>();
    for (const event of events) {
      const seen = unique.get(event.id);
      if (seen) expect(event).toEqual(seen);
      else unique.set(event.id, event);
    }
    for (const runId of runIds) {
      const own = [...unique.values()].filter((event) => recordIdOf(event) === runId);
      const endings = own.filter((event) => terminalTypes.includes(event.type));
      const screenCompleted = own.filter(
        (event) =>
          event.type === 'WORKFLOW_NODE_COMPLETED' && (event.payload as { nodeId?: string }).nodeId === 'screen',
      );
      const screenInEnding = ((endings[0]?.payload as { nodes?: { nodeId: string }[] })?.nodes ?? []).filter(
        (node) => node.nodeId === 'screen',
      );
      // A completed screen is announced once; a timed-out one only in the run's failure.
      const expectedCompletions = endings[0]?.type === 'WORKFLOW_RUN_COMPLETED' ? 1 : 0;
      expect({
        runId,
        endings: endings.length,
        screenInEnding: screenInEnding.length,
        screenCompleted: screenCompleted.length,
      }).toEqual({
        runId,
        endings: 1,
        screenInEnding: 1,
        screenCompleted: expectedCompletions,
      });
      const stored = await db.collection('runs').findOne({ _id: runId as never });
      const visits = (stored?.nodes as { nodeId: string }[]).filter((node) => node.nodeId === 'screen');
      expect({ runId, visits: visits.length, waiting: stored?.waiting }).toEqual({ runId, visits: 1, waiting: null });
    }
    // The outcome runs completed; the timed-out ones failed with EXECUTOR_TIMEOUT unless an
    // outcome got there first.
    const failed = [...unique.values()].filter((event) => event.type === 'WORKFLOW_RUN_FAILED').map(recordIdOf);
    expect(failed.every((runId) => byTimer.includes(runId))).toBe(true);
    expect(failed.length).toBeGreaterThanOrEqual(byTimer.length - 4);
    expect(await db.collection('run_timers').countDocuments({})).toBe(0);
  }, 60_000);
});

function recordIdOf(event: MessageEnvelope): string {
  return (event.payload as { recordId?: string }).recordId ?? '';
}
