import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { MessagePublisherService } from '@wfp/messaging';
import { catalogueEvent, IsolatedInfra, waitFor } from '@wfp/testing';
import { WebhookDeliveriesService, WebhookEndpointsService } from '@wfp/webhook-delivery';
import { bootstrap } from '../src/bootstrap';

/**
 * The dispatcher booted in-process against RabbitMQ and FerretDB, delivering to a real local
 * receiver that always answers 500: once the endpoint has failed for the configured period it is
 * disabled (FAILING) and its delivery is dead-lettered instead of retried for days.
 */
describe('webhook-dispatcher: an endpoint failing for the configured period is disabled', () => {
  let isolated: IsolatedInfra;
  let app: INestApplication;
  let server: http.Server;
  let attempts = 0;

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      attempts += 1;
      request.resume().on('end', () => response.writeHead(500).end('down'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    isolated = await IsolatedInfra.create('dispatcher');
    app = await bootstrap(
      isolated.serviceEnv({
        WEBHOOK_DISPATCHER_PORT: '0',
        ALLOW_LOOPBACK_TARGETS: 'true',
        WEBHOOK_RETRY_SCHEDULE: '0,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms',
        WEBHOOK_POLL_INTERVAL_MS: '50',
        WEBHOOK_DISABLE_AFTER_MS: '1000',
        WEBHOOK_BREAKER_MIN_REQUESTS: '1000',
      }),
    );
    await isolated.consuming('webhook-dispatcher.events');
  });

  afterAll(async () => {
    await app?.close();
    await isolated?.cleanup();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('stops retrying, disables the endpoint as FAILING and fails the delivery', async () => {
    const organizationId = 'org_health';
    const endpoints = app.get(WebhookEndpointsService);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const endpoint = await endpoints.create(organizationId, { url });
    const event = catalogueEvent('WORKFLOW_PUBLISHED', organizationId, { recordId: 'wf_1' });
    await app.get(MessagePublisherService).publish('events', event);

    const disabled = await waitFor(
      async () => {
        const current = await endpoints.get(organizationId, endpoint.id);
        return current.enabled ? null : current;
      },
      { timeoutMs: 10_000, what: 'the endpoint to be disabled' },
    );
    expect(disabled.disabledReason).toBe('FAILING');
    expect(disabled.disabledAt!.getTime() - disabled.failingSince!.getTime()).toBeGreaterThanOrEqual(1000);

    // The endpoint is written disabled first; the delivery's end is written just after.
    const log = await waitFor(
      async () => {
        const page = await app
          .get(WebhookDeliveriesService)
          .list(organizationId, { endpointId: endpoint.id, limit: 10 });
        return page.data.some((delivery) => delivery.status === 'PENDING') ? null : page;
      },
      { what: 'the delivery to be written as ended' },
    );
    expect(log.data).toHaveLength(1);
    expect(log.data[0]).toMatchObject({ status: 'FAILED', eventId: event.id });
    const attemptsWhenDisabled = attempts;
    expect(attemptsWhenDisabled).toBeGreaterThanOrEqual(4);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(attempts).toBe(attemptsWhenDisabled);
  });
});
