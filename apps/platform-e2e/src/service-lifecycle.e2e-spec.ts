import {
  cpuTicks,
  dropDatabases,
  freePort,
  mongoUrlWithDatabase,
  ServiceProcess,
  testInfra,
  uniqueSuffix,
  waitFor,
  type PlatformService,
} from '@wfp/testing';

const SERVICES: PlatformService[] = ['workflow-api', 'workflow-processor', 'webhook-dispatcher', 'contact-resolver'];

describe('service start-up and health, from the production bundles', () => {
  const infra = testInfra();

  it.each(SERVICES)('%s refuses to start without its required variables and names them', async (service) => {
    const process = ServiceProcess.start(service, {}, await freePort());
    expect(await process.waitForExit()).toBe(78);
    expect(process.logs).toContain('Invalid configuration');
    expect(process.logs).toContain('AMQP_URL must be an amqp:// or amqps:// URL');
    expect(process.logs).toContain('MONGO_URL must be a mongodb:// or mongodb+srv:// URL');
    if (service === 'workflow-api') expect(process.logs).toContain('ADMIN_TOKEN is required');
    if (service === 'workflow-api') expect(process.logs).toContain('MESSAGING_CALLBACK_SECRET must be a whsec_');
    if (service === 'workflow-processor') expect(process.logs).toContain('MESSAGING_URL must be an http');
    expect(process.logs).not.toMatch(/\bat .*\.js:\d+/); // a message, not a stack trace
  });

  it('names a bad value without echoing it', async () => {
    const process = ServiceProcess.start(
      'workflow-processor',
      {
        AMQP_URL: 'amqp://127.0.0.1:5672',
        MONGO_URL: 'mongodb://127.0.0.1:27017',
        AMQP_PREFETCH: 'lots',
        AMQP_QUEUE_TYPE: 'stream',
      },
      await freePort(),
    );
    expect(await process.waitForExit()).toBe(78);
    expect(process.logs).toContain('AMQP_PREFETCH must be an integer');
    expect(process.logs).toContain('AMQP_QUEUE_TYPE must be classic or quorum');
    expect(process.logs).not.toContain('lots');
  });

  it.each(['workflow-processor', 'webhook-dispatcher'] as const)(
    '%s refuses loopback targets in production',
    async (service) => {
      const process = ServiceProcess.start(
        service,
        {
          AMQP_URL: 'amqp://127.0.0.1:5672',
          MONGO_URL: 'mongodb://127.0.0.1:27017',
          MESSAGING_URL: 'http://127.0.0.1:9',
          NODE_ENV: 'production',
          ALLOW_LOOPBACK_TARGETS: 'true',
        },
        await freePort(),
      );
      expect(await process.waitForExit()).toBe(78);
      expect(process.logs).toContain('ALLOW_LOOPBACK_TARGETS cannot be true when NODE_ENV is production');
    },
  );

  it('is live but not ready while the broker is unreachable, and stops cleanly', async () => {
    const closedPort = await freePort();
    const database = `lifecycle_${uniqueSuffix()}`;
    const process = ServiceProcess.start(
      'workflow-processor',
      {
        AMQP_URL: `amqp://127.0.0.1:${closedPort}`,
        MONGO_URL: mongoUrlWithDatabase(infra.mongoUrl, database),
        MESSAGING_URL: 'http://127.0.0.1:9',
      },
      await freePort(),
    );
    try {
      const live = await waitForStatus(process, '/health/live', 200);
      expect(live.status).toBe('ok');
      const ready = await waitForStatus(process, '/health/ready', 503);
      expect(ready.details.broker.status).toBe('down');
      expect(ready.details.database.status).toBe('up');
    } finally {
      expect(await process.stop()).toBe(0);
      await dropDatabases(infra.mongoUrl, [database]);
    }
  });
});

/** The JSON a health route answers once it answers `status`, for as long as the service works at it. */
async function waitForStatus(service: ServiceProcess, route: string, status: number): Promise<Record<string, any>> {
  // eslint-disable-line @typescript-eslint/no-explicit-any
  let seen = 'no answer yet';
  return waitFor(
    async () => {
      const response = await fetch(`${service.url}${route}`).catch(() => null);
      if (!response) return false;
      seen = `HTTP ${response.status}`;
      return response.status === status ? ((await response.json()) as Record<string, unknown>) : false;
    },
    {
      timeoutMs: 20_000,
      intervalMs: 100,
      what: `${route} to answer ${status}`,
      progress: () => cpuTicks([service.pid]),
      lastSeen: () => seen,
    },
  );
}
