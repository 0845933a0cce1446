import type { INestApplication } from '@nestjs/common';
import { createEnvelope, ContactsResolveCommand, type MessageEnvelope } from '@wfp/contracts';
import { ContactResolverService } from '@wfp/contact-resolution';
import { MessagePublisherService } from '@wfp/messaging';
import { IsolatedInfra, waitFor } from '@wfp/testing';
import { bootstrap } from '../src/bootstrap';

/**
 * contact-resolver booted in-process (the production bootstrap) against RabbitMQ and FerretDB:
 * a transient fault that outlasts the retry budget ends in exactly one
 * WORKFLOW_CONTACT_RESOLUTION_FAILED, and a redelivered command never emits a second event.
 */
describe('contact-resolver: retries, exhaustion and redelivery', () => {
  let isolated: IsolatedInfra;
  let app: INestApplication;

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

  /** Every contact event published since the last call. */
  async function drainEvents(): Promise<MessageEnvelope[]> {
    return (await isolated.takeEvents()).filter((event) => event.type.startsWith('WORKFLOW_CONTACT_'));
  }

  beforeAll(async () => {
    isolated = await IsolatedInfra.create('resolver');
    app = await bootstrap(isolated.serviceEnv({ CONTACT_RESOLVER_PORT: '0' }));
    await isolated.consuming('contact-resolver.commands');
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    await app?.close();
    await isolated?.cleanup();
  });

  it('emits exactly one WORKFLOW_CONTACT_RESOLUTION_FAILED when the retry budget is spent', async () => {
    const resolve = jest
      .spyOn(ContactResolverService.prototype, 'resolve')
      .mockRejectedValue(new Error('database unavailable'));
    await app
      .get(MessagePublisherService)
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
      reason: 'RETRIES_EXHAUSTED',
      rejectedIdentifiers: [],
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await drainEvents()).toEqual([]);
    resolve.mockRestore();
  });

  it('never emits a second event for a redelivered command', async () => {
    const publisher = app.get(MessagePublisherService);
    const once = command('req_twice', { email: 'twice@example.com' });
    await publisher.publish('commands', once);
    await publisher.publish('commands', once);
    await publisher.publish('commands', { ...once, id: 'cmd_other_delivery_same_item' });
    const events = await waitFor(async () => {
      const taken = await drainEvents();
      return taken.length > 0 ? taken : undefined;
    });
    // give any duplicate the time to show up
    await new Promise((resolve) => setTimeout(resolve, 500));
    events.push(...(await drainEvents()));
    // At least once: a copy handled while the first is in flight may republish the same event
    // (same id); never a second, different one.
    const distinct = [...new Map(events.map((event) => [event.id, event])).values()];
    expect(distinct.map((event) => event.type)).toEqual(['WORKFLOW_CONTACT_RESOLVED']);
    expect(distinct[0]?.payload).toMatchObject({ email: 'twice@example.com', isNewProfile: true, contactIndex: 0 });
  });
});
