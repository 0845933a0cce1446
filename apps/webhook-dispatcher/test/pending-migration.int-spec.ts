import type { INestApplication } from '@nestjs/common';
import { getModelToken } from '@nestjs/mongoose';
import { MongoClient } from 'mongodb';
import type { Model } from 'mongoose';
import { IsolatedInfra, waitFor } from '@wfp/testing';
import {
  Migration,
  PENDING_DELIVERIES_MIGRATION,
  WebhookDelivery,
  WebhookEndpointsService,
} from '@wfp/webhook-delivery';
import { bootstrap } from '../src/bootstrap';
import { queueDrained, Receiver } from './support/dispatcher-rig';

/**
 * A database written by a release before the delivery queue: a PENDING delivery with no queue
 * entry, and no record of the migration. The first start queues it (once), and the due-poller
 * then delivers it like any other retry.
 */
describe('webhook-dispatcher: pending deliveries of an earlier release are queued once', () => {
  const organizationId = 'org_migration';
  let isolated: IsolatedInfra;
  let app: INestApplication | undefined;
  let receiver: Receiver;

  const env = () =>
    isolated.serviceEnv({
      WEBHOOK_DISPATCHER_PORT: '0',
      ALLOW_LOOPBACK_TARGETS: 'true',
      WEBHOOK_POLL_INTERVAL_MS: '50',
    });

  beforeAll(async () => {
    receiver = await Receiver.start();
    isolated = await IsolatedInfra.create('dispatcher_migration');
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await isolated?.cleanup();
    await receiver?.stop();
  });

  it('queues a PENDING delivery that has no queue entry, and the poller delivers it', async () => {
    app = await bootstrap(env());
    const endpoint = await app
      .get(WebhookEndpointsService)
      .create(organizationId, { url: receiver.url('/old'), eventTypes: ['WORKFLOW_RUN_FAILED'] });
    const marked = (model: Model<Migration>) => model.exists({ _id: PENDING_DELIVERIES_MIGRATION }).exec();
    // The empty database was marked migrated at this first start.
    await waitFor(() => marked(app!.get<Model<Migration>>(getModelToken(Migration.name))), { what: 'the marker' });
    await app.close();
    app = undefined;

    // What an earlier release left: a delivery pending its second attempt, no queue entry, no marker.
    const now = new Date();
    const mongo = await MongoClient.connect(isolated.infra.mongoUrl);
    const db = mongo.db(isolated.database);
    await db.collection('webhook_deliveries').insertOne({
      _id: `evt_old:${endpoint.id}`,
      organizationId,
      endpointId: endpoint.id,
      eventId: 'evt_old',
      eventType: 'WORKFLOW_RUN_FAILED',
      occurredAt: now,
      data: { recordId: 'run_old', organizationId },
      status: 'PENDING',
      attemptCount: 1,
      roundAttempts: 1,
      attempts: [
        { attemptNumber: 1, attemptedAt: now, statusCode: 503, durationMs: 3, responseBody: null, error: null },
      ],
      nextAttemptAt: now,
      lastStatusCode: 503,
      failureReason: null,
      createdAt: now,
      updatedAt: now,
    } as never);
    await db.collection('migrations').deleteMany({});
    await mongo.close();

    app = await bootstrap(env());
    const deliveries = app.get<Model<WebhookDelivery>>(getModelToken(WebhookDelivery.name));
    const delivered = await waitFor(
      async () => {
        const found = await deliveries.findById(`evt_old:${endpoint.id}`).lean().exec();
        return found?.status === 'SUCCEEDED' ? found : null;
      },
      { what: 'the old pending delivery to be delivered' },
    );
    expect(delivered.attempts.map((attempt) => [attempt.attemptNumber, attempt.statusCode])).toEqual([
      [1, 503],
      [2, 200],
    ]);
    expect(receiver.to('/old').map(({ webhookId }) => webhookId)).toEqual(['evt_old']);
    expect(await marked(app.get<Model<Migration>>(getModelToken(Migration.name)))).toBeTruthy();
    await queueDrained(app);
  }, 60_000);
});
