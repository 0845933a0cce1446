import {
  BrokerProbe,
  cpuTicks,
  dropDatabases,
  mongoUrlWithDatabase,
  testInfra,
  uniqueSuffix,
  type TestInfra,
} from '@wfp/test-support';
import { buildServiceTopology } from '@wfp/messaging';
import { deleteBrokerNamespace } from './broker-namespace';
import { EventTap } from './event-tap';
import { freePort } from './child-ports';
import { ServiceProcess, type PlatformService } from './service-process';
import { MessagingSimulator } from './messaging-simulator';

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';
/** Shared by the gateway and the messaging simulator (whsec_ + base64 of 32 bytes). */
export const TEST_MESSAGING_SECRET = 'whsec_dGVzdC1tZXNzYWdpbmctc2VjcmV0LTAxMjM0NTY3ODk=';

/** Retry delays short enough for tests; production keeps the defaults. */
const TEST_RETRY_DELAYS_MS = [100, 300];

/** The gateway's operations page reaches the other services on their test ports. */
function opsServiceUrls(ports: Record<PlatformService, number>): string {
  return (['contact-resolver', 'workflow-processor', 'webhook-dispatcher'] as const)
    .map((service) => `${service}=http://127.0.0.1:${ports[service]}`)
    .join(',');
}

/**
 * The four services started from their bundles against the real broker and database, isolated
 * from other test files by their own broker namespace and databases.
 */
export class Platform {
  private constructor(
    readonly namespace: string,
    readonly databases: Record<PlatformService, string>,
    readonly services: Record<PlatformService, ServiceProcess>,
    readonly simulator: MessagingSimulator,
    /** Every workflow event the platform emits (the tests' record of them). */
    readonly events: EventTap,
    private readonly amqpUrl: string,
    private readonly mongoUrl: string,
    private readonly retryDelaysMs: number[],
  ) {}

  static async start(
    extraEnv: Partial<Record<PlatformService, Record<string, string>>> = {},
    options: { infra?: TestInfra; retryDelaysMs?: number[] } = {},
  ): Promise<Platform> {
    const infra = options.infra ?? testInfra();
    const retryDelaysMs = options.retryDelaysMs ?? TEST_RETRY_DELAYS_MS;
    const suffix = uniqueSuffix();
    const namespace = `e2e${suffix}`;
    const names: PlatformService[] = ['workflow-processor', 'webhook-dispatcher', 'contact-resolver', 'workflow-api'];
    const databases = Object.fromEntries(names.map((name) => [name, `${name.replace('-', '_')}_${suffix}`])) as Record<
      PlatformService,
      string
    >;
    const services = {} as Record<PlatformService, ServiceProcess>;
    const ports = Object.fromEntries(await Promise.all(names.map(async (name) => [name, await freePort()]))) as Record<
      PlatformService,
      number
    >;
    const events = await EventTap.open(infra.amqpUrl, namespace);
    const simulator = await MessagingSimulator.start({
      callbackUrl: `http://127.0.0.1:${ports['workflow-api']}`,
      secret: TEST_MESSAGING_SECRET,
    });
    for (const name of names) {
      services[name] = ServiceProcess.start(
        name,
        {
          AMQP_URL: infra.amqpUrl,
          AMQP_NAMESPACE: namespace,
          AMQP_RETRY_DELAYS_MS: retryDelaysMs.join(','),
          MONGO_URL: mongoUrlWithDatabase(infra.mongoUrl, databases[name]),
          ADMIN_TOKEN: TEST_ADMIN_TOKEN,
          MESSAGING_CALLBACK_SECRET: TEST_MESSAGING_SECRET,
          MESSAGING_URL: simulator.url,
          ALLOW_LOOPBACK_TARGETS: 'true',
          OUTBOUND_RETRY_BACKOFF_MS: '50',
          TIMER_POLL_INTERVAL_MS: '500',
          LOG_LEVEL: 'info',
          ...(name === 'workflow-api' ? { OPS_SERVICE_URLS: opsServiceUrls(ports) } : {}),
          ...extraEnv[name],
        },
        ports[name],
      );
    }
    const platform = new Platform(
      namespace,
      databases,
      services,
      simulator,
      events,
      infra.amqpUrl,
      infra.mongoUrl,
      retryDelaysMs,
    );
    try {
      await Promise.all(names.map((name) => services[name].ready()));
      await consumersAttached(infra.amqpUrl, namespace, retryDelaysMs, services);
    } catch (error) {
      await platform.stop();
      throw error;
    }
    return platform;
  }

  /**
   * Kills a service (SIGKILL, no graceful stop) and starts it again on the same port. Its port is
   * an ephemeral one, so while the service was down any outgoing connection may have been given
   * it: the restart waits for it a little, then takes another port (`services[name].url` follows).
   */
  async crashAndRestart(name: PlatformService): Promise<ServiceProcess> {
    const crashed = this.services[name];
    await crashed.kill();
    const samePortAttempts = 5;
    for (let attempt = 1; ; attempt += 1) {
      const port = attempt <= samePortAttempts ? crashed.port : await freePort();
      const restarted = ServiceProcess.start(name, crashed.env, port);
      this.services[name] = restarted;
      try {
        await restarted.ready();
        return restarted;
      } catch (error) {
        if (attempt > samePortAttempts || !restarted.logs.includes('EADDRINUSE')) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  /** Starts one more instance of a service (same configuration, its own port): scale-out. */
  async addInstance(name: PlatformService): Promise<ServiceProcess> {
    const instance = ServiceProcess.start(name, this.services[name].env, await freePort());
    this.extraInstances.push(instance);
    await instance.ready();
    return instance;
  }

  get apiUrl(): string {
    return this.services['workflow-api'].url;
  }

  /** AMQP_URL of the broker the services use (for assertions). */
  get brokerUrl(): string {
    return this.amqpUrl;
  }

  /** MONGO_URL of the server holding every service's database (for assertions). */
  get mongoServerUrl(): string {
    return this.mongoUrl;
  }

  private readonly extraInstances: ServiceProcess[] = [];

  async stop(): Promise<Record<PlatformService, number | null>> {
    await Promise.all(this.extraInstances.map((instance) => instance.stop()));
    const codes = await Promise.all(
      Object.entries(this.services).map(async ([name, service]) => [name, await service.stop()] as const),
    );
    await this.simulator.stop();
    await this.events.close();
    await deleteBrokerNamespace(this.amqpUrl, this.namespace, this.retryDelaysMs).catch(() => undefined);
    await dropDatabases(this.mongoUrl, Object.values(this.databases)).catch(() => undefined);
    return Object.fromEntries(codes) as Record<PlatformService, number | null>;
  }
}

/** The queues a service consumes: its work queues and its request queue, from its topology. */
function consumedQueues(namespace: string, service: PlatformService, retryDelaysMs: number[]): string[] {
  const topology = buildServiceTopology({ namespace, service, queueType: 'classic', retryDelaysMs });
  return [
    ...topology.workQueues.map((workQueue) => workQueue.queue),
    ...(topology.rpcQueue ? [topology.rpcQueue] : []),
  ];
}

/**
 * Ready (health) says a service reaches the broker; its consumers attach just after. A request
 * sent before its queue is declared would be unroutable, so the platform is handed out only once
 * every queue it serves has a consumer.
 */
async function consumersAttached(
  amqpUrl: string,
  namespace: string,
  retryDelaysMs: number[],
  services: Partial<Record<PlatformService, ServiceProcess>>,
): Promise<void> {
  const probe = await BrokerProbe.connect(amqpUrl);
  try {
    for (const [name, service] of Object.entries(services) as [PlatformService, ServiceProcess][]) {
      for (const queue of consumedQueues(namespace, name, retryDelaysMs)) {
        await probe.waitForConsumers(queue, (count) => count > 0, {
          what: `a consumer on ${queue}`,
          // The service is still starting while it uses CPU or prints.
          progress: () => `${cpuTicks([service.pid])}/${service.logs.length}`,
          context: () => `${name}'s last output: ${service.logs.slice(-500) || '(none)'}`,
        });
      }
    }
  } finally {
    await probe.close();
  }
}
