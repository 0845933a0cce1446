import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import request from 'supertest';
import { Webhook } from 'standardwebhooks';
import {
  BrokerProbe,
  DedicatedInfra,
  growthPerHour,
  Platform,
  readServiceMemory,
  waitFor,
  type PlatformService,
} from '@wfp/testing';
import { createOrganization } from './fixtures';
import { buildServiceTopology, SERVICE_QUEUES, type ServiceName } from '@wfp/messaging';

/**
 * The fault scenario behind `npm run test:chaos`, its soak mode and the shortened run inside
 * `npm test`: under steady load every service is SIGKILLed and restarted in turn, RabbitMQ is
 * restarted, the store is killed and restarted, and the webhook receiver goes away for a while.
 * It runs on a RabbitMQ and FerretDB of its own so the restarts disturb no other test.
 */
/** Where the dedicated RabbitMQ and FerretDB keep their data, and their ports. */
export interface ChaosInfraOptions {
  dataDir: string;
  amqpPort: number;
  mongoPort: number;
}

export interface ChaosOptions {
  /** Time between two faults. */
  pauseMs: number;
  /** One run request every loadIntervalMs. */
  loadIntervalMs: number;
  /**
   * Soak: after the fault pass, keep the load for this long, repeating the broker, store and
   * receiver faults every soakFaultEveryMs (services are not killed again, so their memory
   * growth can be read), sampling each service's memory every memorySampleMs.
   */
  soakMs?: number;
  soakFaultEveryMs?: number;
  memorySampleMs?: number;
  log?: (line: string) => void;
}

export interface ServiceMemoryReport {
  samples: number;
  rssStartMb: number;
  rssEndMb: number;
  rssPeakMb: number;
  rssGrowthMbPerHour: number;
  heapStartMb: number;
  heapEndMb: number;
  heapGrowthMbPerHour: number;
}

export interface ChaosCounts {
  faults: string[];
  requestsSent: number;
  requestsRefused: number;
  runsAccepted: number;
  runsWithOneTerminalEvent: number;
  runsWithoutTerminalEvent: string[];
  eventsEmitted: number;
  eventsReceived: number;
  duplicateDeliveries: number;
  eventsMissing: string[];
  badSignatures: number;
  deadLettered: Record<string, number>;
  strandedMessages: Record<string, number>;
  soakSeconds?: number;
  memory?: Record<PlatformService, ServiceMemoryReport>;
}

const RETRY_DELAYS_MS = [500, 1000, 2000, 4000, 8000];
const TERMINAL = new Set(['WORKFLOW_RUN_COMPLETED', 'WORKFLOW_RUN_FAILED', 'WORKFLOW_RUN_CANCELLED']);
const SERVICES: PlatformService[] = ['workflow-processor', 'contact-resolver', 'webhook-dispatcher', 'workflow-api'];

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

  /**
   * Listens (again) on its port: its URL is registered at the dispatcher. While it was down an
   * outgoing connection may have been given that ephemeral port, so a taken port is waited for.
   */
  async up(): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await new Promise<void>((resolve, reject) => {
          this.server.once('error', reject);
          this.server.listen(this.port, '127.0.0.1', () => {
            this.server.off('error', reject);
            resolve();
          });
        });
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 20) throw error;
        await sleep(500);
      }
    }
    this.port = (this.server.address() as { port: number }).port;
  }

  async down(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  /** Terminal event ids per run id. */
  terminalEvents(): Map<string, Set<string>> {
    const byRun = new Map<string, Set<string>>();
    for (const event of this.received.filter((e) => TERMINAL.has(e.event) && e.recordId)) {
      byRun.set(event.recordId!, (byRun.get(event.recordId!) ?? new Set()).add(event.eventId));
    }
    return byRun;
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

/** Longest time without a new delivery at the receiver before waiting for the rest gives up. */
const STALL_MS = 60_000;

/**
 * Waits until `done`, for as long as `progress` keeps changing: fails only after STALL_MS without
 * any, so a slow backlog (the embedded store slows as data grows) is told apart from a loss.
 */
async function waitWhileProgressing(
  done: () => boolean,
  progress: () => number,
  what: string,
  log: (line: string) => void,
): Promise<void> {
  let last = progress();
  let lastChange = Date.now();
  let lastReport = Date.now();
  while (!done()) {
    if (progress() !== last) {
      last = progress();
      lastChange = Date.now();
    } else if (Date.now() - lastChange > STALL_MS) {
      throw new Error(`no progress for ${STALL_MS / 1000} s waiting for ${what}`);
    }
    if (Date.now() - lastReport >= PROGRESS_REPORT_MS) {
      lastReport = Date.now();
      log(`still waiting for ${what}: ${last} deliveries received so far`);
    }
    await sleep(500);
  }
}

const PROGRESS_REPORT_MS = 30_000;

const mb = (bytes: number) => Math.round((bytes / 1_048_576) * 10) / 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Memory samples per service, taken on a timer while the soak runs. */
class MemorySampler {
  private readonly samples = new Map<PlatformService, { atMs: number; rss: number; heap: number }[]>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly platform: Platform) {}

  start(everyMs: number): void {
    const sample = async () => {
      for (const service of SERVICES) {
        const memory = await readServiceMemory(this.platform.services[service].url);
        if (!memory) continue;
        const list = this.samples.get(service) ?? [];
        list.push({ atMs: Date.now(), rss: memory.rssBytes, heap: memory.heapUsedBytes });
        this.samples.set(service, list);
      }
    };
    void sample();
    this.timer = setInterval(() => void sample(), everyMs);
  }

  stop(): Record<PlatformService, ServiceMemoryReport> {
    clearInterval(this.timer);
    const report = {} as Record<PlatformService, ServiceMemoryReport>;
    for (const service of SERVICES) {
      const list = this.samples.get(service) ?? [];
      if (list.length === 0) continue;
      const first = list[0];
      const last = list[list.length - 1];
      report[service] = {
        samples: list.length,
        rssStartMb: mb(first.rss),
        rssEndMb: mb(last.rss),
        rssPeakMb: mb(Math.max(...list.map((s) => s.rss))),
        rssGrowthMbPerHour: mb(growthPerHour(list.map((s) => ({ atMs: s.atMs, value: s.rss })))),
        heapStartMb: mb(first.heap),
        heapEndMb: mb(last.heap),
        heapGrowthMbPerHour: mb(growthPerHour(list.map((s) => ({ atMs: s.atMs, value: s.heap })))),
      };
    }
    return report;
  }
}

/** A platform on its own infrastructure, ready for the scenario. */
export class ChaosRig {
  private constructor(
    readonly infra: DedicatedInfra,
    readonly platform: Platform,
    private readonly receiver: ChaosReceiver,
    /** Where each service's whole log is written when a run ends (the output shows only tails). */
    readonly logsDir: string,
  ) {}

  static async start(infraOptions: ChaosInfraOptions): Promise<ChaosRig> {
    const infra = await DedicatedInfra.up(infraOptions);
    const receiver = new ChaosReceiver();
    await receiver.up();
    const amqpSettings = { AMQP_MAX_ATTEMPTS: '8', WEBHOOK_RETRY_SCHEDULE: '0,250ms,1s,2s,4s,8s,15s,30s' };
    try {
      const platform = await Platform.start(
        {
          'workflow-processor': amqpSettings,
          'contact-resolver': amqpSettings,
          'workflow-api': amqpSettings,
          'webhook-dispatcher': { ...amqpSettings, WEBHOOK_POLL_INTERVAL_MS: '200', WEBHOOK_BREAKER_RESET_MS: '1000' },
        },
        { infra, retryDelaysMs: RETRY_DELAYS_MS },
      );
      return new ChaosRig(
        infra,
        platform,
        receiver,
        path.resolve(__dirname, '../../../..', infraOptions.dataDir, 'logs'),
      );
    } catch (error) {
      await receiver.down().catch(() => undefined);
      await infra.down();
      throw error;
    }
  }

  async stop(): Promise<void> {
    // Saved here rather than at the end of run(), so a run cut short (a test timeout) leaves them too.
    this.saveLogs();
    await this.platform.stop();
    await this.receiver.down().catch(() => undefined);
    await this.infra.down();
  }

  async run(options: ChaosOptions): Promise<ChaosCounts> {
    const { platform, infra, receiver } = this;
    const log = options.log ?? (() => undefined);
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

    // Steady load: refused requests (503 while the broker or store is away, connection errors
    // while the gateway restarts) start nothing and are counted.
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
        await sleep(options.loadIntervalMs);
      }
    })();

    const faults: string[] = [];
    const fault = async (name: string, action: () => Promise<void>) => {
      log(`fault: ${name}`);
      await action();
      faults.push(name);
      await sleep(options.pauseMs);
    };
    const infrastructureFaults = async () => {
      await fault('restart RabbitMQ', () => infra.restartBroker());
      await fault('kill and restart FerretDB', () => infra.restartStore());
      await fault('webhook receiver down', async () => {
        await receiver.down();
        await sleep(options.pauseMs);
        await receiver.up();
      });
    };

    await sleep(options.pauseMs);
    for (const service of SERVICES) {
      await fault(`SIGKILL ${service}`, async () => void (await platform.crashAndRestart(service)));
    }
    await infrastructureFaults();

    let memory: Record<PlatformService, ServiceMemoryReport> | undefined;
    if (options.soakMs) {
      const sampler = new MemorySampler(platform);
      sampler.start(options.memorySampleMs ?? 10_000);
      const soakEnds = Date.now() + options.soakMs;
      const faultEvery = options.soakFaultEveryMs ?? 60_000;
      log(`soak: ${Math.round(options.soakMs / 1000)} s, infrastructure faults every ${faultEvery / 1000} s`);
      while (Date.now() < soakEnds) {
        await sleep(Math.min(faultEvery, Math.max(0, soakEnds - Date.now())));
        if (Date.now() < soakEnds) await infrastructureFaults();
        log(`soak: ${accepted.length} runs accepted, ${receiver.received.length} deliveries received`);
      }
      memory = sampler.stop();
    }
    loading = false;
    await load;
    log(`load stopped: ${accepted.length} runs accepted; waiting for every run to end`);

    // A backlog is slow, not lost: wait as long as deliveries keep arriving.
    await waitWhileProgressing(
      () => accepted.every((runId) => receiver.terminalEvents().has(runId)),
      () => receiver.received.length,
      'a terminal event for every accepted run',
      log,
    ).catch(async () => this.describeUnfinished(accepted, auth, log));

    // Queues are checked at rest, by a probe connected after the broker restarts.
    const probe = await BrokerProbe.connect(infra.amqpUrl);
    try {
      const { work, deadLetter } = allQueues(platform.namespace);
      const depths = async (queues: string[]) =>
        Object.fromEntries(
          await Promise.all(queues.map(async (queue) => [queue, (await probe.stats(queue))?.messageCount ?? 0])),
        ) as Record<string, number>;
      const stranded = async () =>
        Object.fromEntries(Object.entries(await depths(work)).filter(([, count]) => count > 0));
      await waitFor(async () => Object.keys(await stranded()).length === 0, {
        timeoutMs: 60_000,
        intervalMs: 500,
        what: 'every queue to drain',
      }).catch(() => undefined);

      // Deliveries that failed while the receiver was away wait for their next scheduled attempt.
      const emitted = (await platform.events.all()).map((event) => event.id);
      const missingNow = () => {
        const seen = new Set(receiver.received.map((event) => event.eventId));
        return emitted.filter((eventId) => !seen.has(eventId));
      };
      await waitWhileProgressing(
        () => missingNow().length === 0,
        () => receiver.received.length,
        'every event at the receiver',
        log,
      ).catch(() => undefined);

      const terminal = receiver.terminalEvents();
      const ids = receiver.received.map((event) => event.eventId);
      const distinct = new Set(ids);
      const counts: ChaosCounts = {
        faults,
        requestsSent: sent,
        requestsRefused: refused,
        runsAccepted: accepted.length,
        runsWithOneTerminalEvent: accepted.filter((runId) => terminal.get(runId)?.size === 1).length,
        runsWithoutTerminalEvent: accepted.filter((runId) => !terminal.has(runId)),
        eventsEmitted: emitted.length,
        eventsReceived: distinct.size,
        duplicateDeliveries: ids.length - distinct.size,
        eventsMissing: missingNow(),
        badSignatures: receiver.rejected,
        deadLettered: Object.fromEntries(Object.entries(await depths(deadLetter)).filter(([, count]) => count > 0)),
        strandedMessages: await stranded(),
        ...(options.soakMs ? { soakSeconds: Math.round(options.soakMs / 1000), memory } : {}),
      };
      return counts;
    } finally {
      await probe.close();
    }
  }

  /** Writes each running service's whole log (since its last start) to logsDir. */
  private saveLogs(): void {
    mkdirSync(this.logsDir, { recursive: true });
    for (const service of SERVICES) {
      writeFileSync(path.join(this.logsDir, `${service}.log`), this.platform.services[service].logs);
    }
  }

  /** Says where the runs without an end are (state at the gateway, service log tails). */
  private async describeUnfinished(
    accepted: string[],
    auth: Record<string, string>,
    log: (line: string) => void,
  ): Promise<void> {
    const unfinished = accepted.filter((runId) => !this.receiver.terminalEvents().has(runId));
    const states = await Promise.all(
      unfinished.slice(0, 5).map(async (runId) => {
        const run = await request(this.platform.apiUrl)
          .get(`/v1/workflow-runs/${runId}`)
          .set(auth)
          .timeout(5_000)
          .catch(() => null);
        return { runId, http: run?.status, status: run?.body.status, currentNodeId: run?.body.currentNodeId };
      }),
    );
    log(`runs without a terminal event: ${unfinished.length}\n${JSON.stringify(states, null, 2)}`);
    for (const service of SERVICES) {
      log(`${service} log tail:\n${this.platform.services[service].logs.slice(-3000)}`);
    }
    log(`whole logs: ${this.logsDir}`);
  }
}

/** What the fault test must find empty: each kind of loss or leftover, with what it concerns. */
export function lossReport(counts: ChaosCounts) {
  return {
    runsWithoutTerminalEvent: counts.runsWithoutTerminalEvent,
    runsWithSeveralTerminalEvents:
      counts.runsAccepted - counts.runsWithOneTerminalEvent - counts.runsWithoutTerminalEvent.length,
    eventsMissing: counts.eventsMissing,
    badSignatures: counts.badSignatures,
    strandedMessages: counts.strandedMessages,
    deadLettered: counts.deadLettered,
  };
}

export const NOTHING_LOST: ReturnType<typeof lossReport> = {
  runsWithoutTerminalEvent: [],
  runsWithSeveralTerminalEvents: 0,
  eventsMissing: [],
  badSignatures: 0,
  strandedMessages: {},
  deadLettered: {},
};

/** One line per count, for the test output. */
export function formatCounts(counts: ChaosCounts): string {
  const { runsWithoutTerminalEvent, eventsMissing, ...rest } = counts;
  return JSON.stringify(
    {
      ...rest,
      runsWithoutTerminalEvent: runsWithoutTerminalEvent.length,
      eventsMissing: eventsMissing.length,
    },
    null,
    2,
  );
}
