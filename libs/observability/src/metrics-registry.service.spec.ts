import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import { Counter, register as globalRegistry } from 'prom-client';
import request from 'supertest';
import { createLoggerModule } from './logger.module';
import { MetricsRegistryService } from './metrics-registry.service';
import { MetricsModule } from './metrics.module';

// MetricsModule alone: HealthModule would also need the broker and database health indicators.
async function startApp(options: { service?: string } = {}): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      ...(options.service ? [createLoggerModule({ service: options.service, level: 'silent' })] : []),
      MetricsModule,
    ],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

describe('MetricsRegistryService', () => {
  const apps: INestApplication[] = [];
  const start = async (options?: { service?: string }) => {
    const app = await startApp(options);
    apps.push(app);
    return app;
  };

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  it('returns the same metric when one is registered twice under the same name', async () => {
    const metrics = (await start()).get(MetricsRegistryService);

    const first = metrics.counter({ name: 'jobs_done_total', help: 'Jobs done', labelNames: ['kind'] });
    const second = metrics.counter({ name: 'jobs_done_total', help: 'Jobs done', labelNames: ['kind'] });

    expect(first).toBeInstanceOf(Counter);
    expect(second).toBe(first);
    expect(metrics.gauge({ name: 'queue_depth', help: 'Queued' })).toBe(
      metrics.gauge({ name: 'queue_depth', help: 'Queued' }),
    );
    expect(metrics.histogram({ name: 'job_seconds', help: 'Duration' })).toBe(
      metrics.histogram({ name: 'job_seconds', help: 'Duration' }),
    );
  });

  it('refuses a name that is already registered as another type of metric', async () => {
    const metrics = (await start()).get(MetricsRegistryService);
    metrics.counter({ name: 'jobs_done_total', help: 'Jobs done' });

    expect(() => metrics.gauge({ name: 'jobs_done_total', help: 'Jobs done' })).toThrow(
      'Metric "jobs_done_total" is already registered as a Counter, not a Gauge',
    );
  });

  it('keeps each application’s metrics apart, and out of the global registry', async () => {
    const one = (await start()).get(MetricsRegistryService);
    const other = (await start()).get(MetricsRegistryService);

    const counterOfOne = one.counter({ name: 'jobs_done_total', help: 'Jobs done' });
    const counterOfOther = other.counter({ name: 'jobs_done_total', help: 'Jobs done' });
    counterOfOne.inc(5);

    expect(counterOfOther).not.toBe(counterOfOne);
    expect(await one.metrics()).toContain('jobs_done_total 5');
    expect(await other.metrics()).toContain('jobs_done_total 0');
    expect(globalRegistry.getSingleMetric('jobs_done_total')).toBeUndefined();
  });

  it('serves GET /metrics as Prometheus text, with custom and default metrics labelled by service', async () => {
    const app = await start({ service: 'test-service' });
    const metrics = app.get(MetricsRegistryService);
    metrics.counter({ name: 'jobs_done_total', help: 'Jobs done', labelNames: ['kind'] }).inc({ kind: 'email' }, 3);

    const response = await request(app.getHttpServer()).get('/metrics').expect(200);

    expect(response.headers['content-type']).toBe(metrics.contentType);
    expect(response.text).toContain('# TYPE jobs_done_total counter');
    expect(response.text).toContain('jobs_done_total{kind="email",service="test-service"} 3');
    expect(response.text).toMatch(/^process_cpu_user_seconds_total\{service="test-service"\} \d/m);
  });

  it('adds no service label when the application has no logger module to name the service', async () => {
    const app = await start();

    const response = await request(app.getHttpServer()).get('/metrics').expect(200);

    expect(response.text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(response.text).not.toContain('service=');
  });

  it('keeps /metrics out of the OpenAPI document', async () => {
    const app = await start();

    const document = SwaggerModule.createDocument(app, new DocumentBuilder().build());

    expect(Object.keys(document.paths)).not.toContain('/metrics');
  });
});
