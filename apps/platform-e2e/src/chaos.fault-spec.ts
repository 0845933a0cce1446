import http from 'node:http';
import request from 'supertest';
import { Webhook } from 'standardwebhooks';
import { buildServiceTopology, SERVICE_QUEUES, type ServiceName } from '@wfp/contracts';
import { BrokerProbe, DedicatedInfra, Platform, waitFor, type PlatformService } from '@wfp/testing';
import { createOrganization } from './support/fixtures';

/**
 * Fault test (`npm run test:chaos`): under steady load,
 * every service is SIGKILLed and restarted in turn, RabbitMQ is restarted, the store is killed and
 * restarted, and the webhook receiver goes away for a while. Afterwards every accepted run has
 * exactly one terminal event, every event reached the receiver at least once (duplicates are
 * counted, all dedupable by eventId), no queue holds a stranded message and every DLQ is empty.
 * Runs on a RabbitMQ and FerretDB of its own so the restarts disturb no other test.
 */
const PAUSE_MS = Number(process.env['CHAOS_PAUSE_MS'] ?? 2500);
const LOAD_INTERVAL_MS = Number(process.env['CHAOS_LOAD_INTERVAL_MS'] ?? 300);
const RETRY_DELAYS_MS = [500, 1000, 2000, 4000, 8000];
const TERMINAL = new Set(['WORKFLOW_RUN_COMPLETED', 'WORKFLOW_RUN_FAILED', 'WORKFLOW_RUN_CANCELLED']);

interface Received {
  eventId: string;
  event: string;
  recordId: string | undefined;
}

/** Webhook-node target and verifying event receiver in one server that can go down and come back. */
class ChaosReceiver {
  readonly received: Received[] = [];
  secret = '';
  rejected = 0;
  private readonly server: http.Server;
  private port = 0;

  constructor() {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (req.url === '/target') return res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
        try {
          const webhook = new Webhook(this.secret).verify(Buffer.concat(chunks).toString('utf8'), {
            'webhook-id': String(req.headers['webhook-id']),
            'webhook-timestamp': String(req.headers['webhook-timestamp']),
            'webhook-signature': String(req.headers['webhook-signature']),
          }) as { eventId: string; event: string; data: { recordId?: string } };
          this.received.push({ eventId: webhook.eventId, event: webhook.event, recordId: webhook.data.recordId });
          res.writeHead(204).end();
        } catch {
          this.rejected += 1;
          res.writeHead(401).end();
        }
      });
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  async down(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

function allQueues(namespace: string): { work: string[]; deadLetter: string[] } {
  const work: string[] = [];
  const deadLetter: string[] = [];
  for (const service of Object.keys(SERVICE_QUEUES) as ServiceName[]) {
    const topology = buildServiceTopology({ namespace, service, queueType: 'classic', retryDelaysMs: RETRY_DELAYS_MS });
    for (const queue of topology.queues.map((q) => q.name)) (queue.endsWith('.dlq') ? deadLetter : work).push(queue);
  }
  return { work, deadLetter };
}

describe('fault test: crashes and restarts under load lose nothing', () => {
  let infra: DedicatedInfra;
  let platform: Platform;
  let receiver: ChaosReceiver;
  let probe: BrokerProbe;

  beforeAll(async () => {
    infra = await DedicatedInfra.up({ dataDir: '.data/chaos', amqpPort: 5673, mongoPort: 27018 });
    receiver = new ChaosReceiver();
    await receiver.up();
    const amqpSettings = { AMQP_MAX_ATTEMPTS: '8', WEBHOOK_RETRY_SCHEDULE: '0,250ms,1s,2s,4s,8s,15s,30s' };
    platform = await Platform.start(
      {
        'workflow-processor': amqpSettings,
        'contact-resolver': amqpSettings,
        'workflow-api': amqpSettings,
        'webhook-dispatcher': { ...amqpSettings, WEBHOOK_POLL_INTERVAL_MS: '200', WEBHOOK_BREAKER_RESET_MS: '1000' },
      },
      { infra, retryDelaysMs: RETRY_DELAYS_MS },
    );
  }, 120_000);

  afterAll(async () => {
    await probe?.close();
    await platform?.stop();
    await receiver?.down().catch(() => undefined);
    await infra?.down();
  }, 120_000);

  it('every accepted run ends exactly once and every event reaches the receiver', async () => {
    const api = () => request(platform.apiUrl);
    const org = await createOrganization(platform.apiUrl, 'Chaos Ltd');
    const auth = { Authorization: `Bearer ${org.apiKey}` };
    const endpoint = await api()
      .post('/v1/webhook-endpoints')
      .set(auth)
      .send({ url: `${receiver.url}/events` });
    receiver.secret = endpoint.body.secret;
    const definition = {
      startNodeId: 'notify',
      nodes: [
        {
          id: 'notify',
          type: 'webhook',
          config: { method: 'POST', url: `${receiver.url}/target`, timeoutSeconds: 5, retries: 3 },
          transitions: { onSuccess: 'done' },
        },
        { id: 'done', type: 'output', config: { value: { ok: true } } },
      ],
    };
    const workflow = await api().post('/v1/workflows').set(auth).send({ name: 'chaos', definition }).expect(201);
    await api().post(`/v1/workflows/${workflow.body.id}/publish`).set(auth).expect(201);

    // Steady load: one run request every LOAD_INTERVAL_MS; refused requests (503 while the broker
    // or store is away, connection errors while the gateway restarts) start nothing and are counted.
    const accepted: string[] = [];
    let refused = 0;
    let loading = true;
    let sent = 0;
    const load = (async () => {
      while (loading) {
        sent += 1;
        const answer = await api()
          .post(`/v1/workflows/${workflow.body.id}/runs`)
          .set(auth)
          .send({ triggerSource: 'API', candidateProfileIds: [`cp_chaos_${sent}`] })
          .catch(() => null);
        if (answer?.status === 202) accepted.push(...(answer.body.runIds as string[]));
        else refused += 1;
        await new Promise((resolve) => setTimeout(resolve, LOAD_INTERVAL_MS));
      }
    })();
    const pause = () => new Promise((resolve) => setTimeout(resolve, PAUSE_MS));

    const faults: string[] = [];
    await pause();
    for (const service of ['workflow-processor', 'contact-resolver', 'webhook-dispatcher', 'workflow-api'] as const) {
      await platform.crashAndRestart(service as PlatformService);
      faults.push(`SIGKILL ${service}`);
      await pause();
    }
    await infra.restartBroker();
    faults.push('restart RabbitMQ');
    await pause();
    await infra.restartStore();
    faults.push('kill and restart FerretDB');
    await pause();
    await receiver.down();
    await pause();
    await receiver.up();
    faults.push('webhook receiver down');
    await pause();
    loading = false;
    await load;

    // Every accepted run reaches exactly one terminal state, delivered to the receiver.
    const terminalOf = () => {
      const byRun = new Map<string, Set<string>>();
      for (const event of receiver.received.filter((e) => TERMINAL.has(e.event) && e.recordId)) {
        byRun.set(event.recordId!, (byRun.get(event.recordId!) ?? new Set()).add(event.eventId));
      }
      return byRun;
    };
    try {
      await waitFor(() => accepted.every((runId) => terminalOf().has(runId)), {
        timeoutMs: 180_000,
        intervalMs: 500,
        what: 'a terminal event for every accepted run',
      });
    } catch (error) {
      // Say where the runs without an end are, before failing.
      const unfinished = accepted.filter((runId) => !terminalOf().has(runId));
      const states = await Promise.all(
        unfinished.slice(0, 20).map(async (runId) => {
          const run = await api().get(`/v1/workflow-runs/${runId}`).set(auth);
          return { runId, http: run.status, status: run.body.status, currentNodeId: run.body.currentNodeId };
        }),
      );
      console.log(
        `runs without a terminal event: ${unfinished.length}\n${JSON.stringify(states.slice(0, 3), null, 2)}`,
      );
      for (const service of ['workflow-processor', 'workflow-api'] as const)
        console.log(`${service} log tail:\n${platform.services[service].logs.slice(-3000)}`);
      throw error;
    }
    // The deliveries still in flight settle, so that "nothing stranded" is checked at rest (a probe
    // connected after the broker restart).
    probe = await BrokerProbe.connect(infra.amqpUrl);
    const { work, deadLetter } = allQueues(platform.namespace);
    await waitFor(
      async () => {
        for (const queue of work) if (((await probe.stats(queue))?.messageCount ?? 0) > 0) return false;
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'every queue to drain' },
    );

    // Deliveries that failed while the receiver was away wait for their next scheduled attempt.
    const dispatcherEvents = await platform.receivedEventIds();
    const missingNow = () => {
      const seen = new Set(receiver.received.map((event) => event.eventId));
      return dispatcherEvents.filter((eventId) => !seen.has(eventId));
    };
    await waitFor(() => missingNow().length === 0, {
      timeoutMs: 90_000,
      intervalMs: 500,
      what: 'every event at the receiver',
    }).catch(() => undefined);
    const terminal = terminalOf();
    const ids = receiver.received.map((event) => event.eventId);
    const distinct = new Set(ids);
    const missing = missingNow();
    const deadLettered: Record<string, number> = {};
    for (const queue of deadLetter) deadLettered[queue] = (await probe.stats(queue))?.messageCount ?? 0;
    const counts = {
      faults,
      requestsSent: sent,
      requestsRefused: refused,
      runsAccepted: accepted.length,
      runsWithOneTerminalEvent: accepted.filter((runId) => terminal.get(runId)?.size === 1).length,
      eventsEmitted: dispatcherEvents.length,
      eventsReceived: distinct.size,
      duplicateDeliveries: ids.length - distinct.size,
      eventsMissing: missing.length,
      badSignatures: receiver.rejected,
      deadLettered: Object.values(deadLettered).reduce((sum, n) => sum + n, 0),
    };
    console.log(`fault test counts: ${JSON.stringify(counts, null, 2)}`);

    expect(accepted.length).toBeGreaterThan(10);
    expect(counts.runsWithOneTerminalEvent).toBe(accepted.length);
    expect(missing).toEqual([]);
    expect(receiver.rejected).toBe(0);
    expect(deadLettered).toEqual(Object.fromEntries(deadLetter.map((queue) => [queue, 0])));
  }, 600_000);
});
