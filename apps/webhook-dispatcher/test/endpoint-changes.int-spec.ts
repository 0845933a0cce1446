import type { INestApplication } from '@nestjs/common';
import { MessagePublisherService } from '@wfp/messaging';
import { IsolatedInfra, waitFor } from '@wfp/testing';
import { EndpointCacheService, EndpointChangeNoticesService, WebhookEndpointsService } from '@wfp/webhook-delivery';
import { bootstrap } from '../src/bootstrap';
import { acknowledgedEvents, Receiver, recordStoreCommands, workflowEvent } from './support/dispatcher-rig';

/**
 * Two dispatcher instances (two Nest apps in this process) on one broker namespace and database,
 * each with its endpoints cached for far longer than the test: a change made through one instance
 * is used by the other for the very next event, because every change is broadcast.
 */
describe('webhook-dispatcher: endpoint changes reach every instance at once', () => {
  const organizationId = 'org_two_instances';
  let isolated: IsolatedInfra;
  let first: INestApplication;
  let second: INestApplication;
  let receiver: Receiver;
  const closed = new Set<INestApplication>();
  const close = async (app: INestApplication | undefined) => {
    if (!app || closed.has(app)) return;
    closed.add(app);
    await app.close();
  };

  beforeAll(async () => {
    receiver = await Receiver.start();
    isolated = await IsolatedInfra.create('dispatcher_pair');
    const env = isolated.serviceEnv({
      WEBHOOK_DISPATCHER_PORT: '0',
      ALLOW_LOOPBACK_TARGETS: 'true',
      WEBHOOK_ENDPOINT_CACHE_MS: '3600000',
    });
    first = await bootstrap(env);
    second = await bootstrap(env);
    // Listening before anything is cached (the cache is dropped when an instance starts listening).
    await first.get(EndpointChangeNoticesService).listening();
    await second.get(EndpointChangeNoticesService).listening();
    await waitFor(
      async () => (await isolated.probe.stats(`${isolated.namespace}.webhook-dispatcher.events`))?.consumerCount === 2,
      { what: 'both instances consuming' },
    );
  });

  afterAll(async () => {
    await close(second);
    await close(first);
    await isolated?.cleanup();
    await receiver?.stop();
  });

  it('delivers through the other instance to an endpoint created, changed or deleted through the first', async () => {
    // The second instance has the organization cached, with no endpoint.
    expect(await second.get(EndpointCacheService).ofOrganization(organizationId)).toEqual([]);
    const secondCommands = await recordStoreCommands(second);

    const endpoints = first.get(WebhookEndpointsService);
    const created = await endpoints.create(organizationId, {
      url: receiver.url('/created'),
      eventTypes: ['WORKFLOW_RUN_COMPLETED'],
    });

    // Only the second instance consumes from here on.
    await close(first);
    const publisher = second.get(MessagePublisherService);
    const completed = workflowEvent('WORKFLOW_RUN_COMPLETED', organizationId);
    await publisher.publish('events', completed);
    await waitFor(() => receiver.to('/created').length === 1, { what: 'the delivery through the second instance' });
    expect(receiver.to('/created')[0].webhookId).toBe(completed.id);
    // It read the organization's endpoints again because it was told, not because its cache expired.
    expect(secondCommands.filter(({ collection }) => collection === 'webhook_endpoints')).toHaveLength(1);

    // A change made through the second instance (it now handles requests alone) applies at once too.
    const secondEndpoints = second.get(WebhookEndpointsService);
    await secondEndpoints.update(organizationId, { endpointId: created.id, url: receiver.url('/moved') });
    const afterMove = workflowEvent('WORKFLOW_RUN_COMPLETED', organizationId);
    await publisher.publish('events', afterMove);
    await waitFor(() => receiver.to('/moved').length === 1, { what: 'the delivery to the new url' });
    expect(receiver.to('/created')).toHaveLength(1);
  });

  it('stops delivering to a deleted endpoint in another instance', async () => {
    const third = await bootstrap(
      isolated.serviceEnv({
        WEBHOOK_DISPATCHER_PORT: '0',
        ALLOW_LOOPBACK_TARGETS: 'true',
        WEBHOOK_ENDPOINT_CACHE_MS: '3600000',
      }),
    );
    try {
      await third.get(EndpointChangeNoticesService).listening();
      const organization = 'org_deleted_elsewhere';
      const kept = await second
        .get(WebhookEndpointsService)
        .create(organization, { url: receiver.url('/kept'), eventTypes: ['WORKFLOW_RUN_FAILED'] });
      const doomed = await second
        .get(WebhookEndpointsService)
        .create(organization, { url: receiver.url('/doomed'), eventTypes: ['WORKFLOW_RUN_FAILED'] });
      // The third instance caches both endpoints, then the second deletes one.
      expect((await third.get(EndpointCacheService).ofOrganization(organization)).map(({ _id }) => _id).sort()).toEqual(
        [kept.id, doomed.id].sort(),
      );
      await second.get(WebhookEndpointsService).delete(organization, doomed.id);
      await close(second);

      const failed = workflowEvent('WORKFLOW_RUN_FAILED', organization);
      await third.get(MessagePublisherService).publish('events', failed);
      // Acknowledged once every subscribed endpoint was tried.
      await waitFor(async () => (await acknowledgedEvents(third, isolated)) === 1, { what: 'the event handled' });
      expect(receiver.to('/kept').map(({ webhookId }) => webhookId)).toEqual([failed.id]);
      expect(receiver.to('/doomed')).toEqual([]);
    } finally {
      await close(third);
    }
  });
});
