import type { INestApplication } from '@nestjs/common';
import { createEnvelope, ContactsResolveCommand, type MessageEnvelope } from '@wfp/contracts';
import { ContactResolverService } from '@wfp/contact-resolution';
import { MessagePublisher } from '@wfp/messaging';
import {
  BrokerProbe,
  deleteBrokerNamespace,
  dropDatabases,
  mongoUrlWithDatabase,
  testInfra,
  uniqueSuffix,
  waitFor,
} from '@wfp/testing';
import { bootstrap } from '../src/bootstrap';

/**
 * contact-resolver booted in-process (the production bootstrap) against RabbitMQ and FerretDB:
 * a transient fault that outlasts the retry budget ends in exactly one
 * WORKFLOW_CONTACT_RESOLUTION_FAILED, and a redelivered command never emits a second event.
 */
describe('contact-resolver: retries, exhaustion and redelivery', () => {
  const infra = testInfra();
  const suffix = uniqueSuffix();
  const namespace = `t${suffix}`;
  const database = `resolver_${suffix}`;
  const retryDelaysMs = [50];
  const watchQueue = `${namespace}.watch`;
  let app: INestApplication;
  let probe: BrokerProbe;

  const command = (requestId: string, contact: ContactsResolveCommand['contact']) =>
    createEnvelope(
      ContactsResolveCommand,
      {
        requestId,
        contactIndex: 0,
        workflowId: 'wf_r',
        workflowVersionId: 'wfv_r',
        versionNumber: 1,
        workflowExternalId: null,
        triggerSource: 'API',
        contact,
      } as ContactsResolveCommand,
      { organizationId: 'org_r' },
    );

  /** Every contact event published so far (drains the watch queue). */
  async function drainEvents(): Promise<MessageEnvelope[]> {
    const events: MessageEnvelope[] = [];
    for (let message = await probe.take(watchQueue); message; message = await probe.take(watchQueue)) {
      events.push(JSON.parse(message.content.toString()));
    }
    return events.filter((event) => event.type.startsWith('WORKFLOW_CONTACT_'));
  }

  beforeAll(async () => {
    probe = await BrokerProbe.connect(infra.amqpUrl);
    await probe.listen(watchQueue, `${namespace}.events`, '#');
    app = await bootstrap({
      AMQP_URL: infra.amqpUrl,
      AMQP_NAMESPACE: namespace,
      AMQP_MAX_ATTEMPTS: '3',
      AMQP_RETRY_DELAYS_MS: retryDelaysMs.join(','),
      MONGO_URL: mongoUrlWithDatabase(infra.mongoUrl, database),
      CONTACT_RESOLVER_PORT: '0',
      LOG_LEVEL: 'silent',
    });
    await waitFor(async () => (await probe.stats(`${namespace}.contact-resolver.commands`))?.consumerCount === 1);
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    await app?.close();
    await probe?.deleteQueue(watchQueue);
    await probe?.close();
    await deleteBrokerNamespace(infra.amqpUrl, namespace, retryDelaysMs);
    await dropDatabases(infra.mongoUrl, [database]);
  });

  it('emits exactly one WORKFLOW_CONTACT_RESOLUTION_FAILED when the retry budget is spent', async () => {
    const resolve = jest
      .spyOn(ContactResolverService.prototype, 'resolve')
      .mockRejectedValue(new Error('database unavailable'));
    await app
      .get(MessagePublisher)
      .publish('commands', command('req_exhaust', { email: 'ok@example.com', externalId: 'x1' }));
    const failed = await waitFor(async () => {
      const events = await drainEvents();
      return events.length > 0 ? events : undefined;
    });
    expect(resolve).toHaveBeenCalledTimes(3);
    expect(failed.map((event) => event.type)).toEqual(['WORKFLOW_CONTACT_RESOLUTION_FAILED']);
    expect(failed[0].payload).toEqual({
      recordId: expect.stringMatching(/^contact_/),
      organizationId: 'org_r',
      workflowId: 'wf_r',
      workflowExternalId: null,
      externalId: 'x1',
      email: 'ok@example.com',
      phoneNumber: null,
      contactIndex: 0,
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await drainEvents()).toEqual([]);
    resolve.mockRestore();
  });

  it('never emits a second event for a redelivered command', async () => {
    const publisher = app.get(MessagePublisher);
    const once = command('req_twice', { email: 'twice@example.com' });
    await publisher.publish('commands', once);
    await publisher.publish('commands', once);
    await publisher.publish('commands', { ...once, id: 'cmd_other_delivery_same_item' });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const events = await drainEvents();
    expect(events.map((event) => event.type)).toEqual(['WORKFLOW_CONTACT_RESOLVED']);
    expect(events[0].payload).toMatchObject({ email: 'twice@example.com', isNewProfile: true, contactIndex: 0 });
  });
});
