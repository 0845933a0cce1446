import type { INestApplication } from '@nestjs/common';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { MongoClient, type Db } from 'mongodb';
import {
  createUncheckedEnvelope,
  contactDedupKey,
  ContactsResolveCommand,
  createEnvelope,
  eventSchema,
  parsePayload,
  runIdFor,
  RunsStartCommand,
  WorkflowEventType,
  type ContactResolutionFailedData,
  type ContactResolutionSkippedData,
  type ContactResolvedData,
  type InlineContact,
  type MessageEnvelope,
  type RunCancelledData,
  type RunCompletedData,
  type RunFailedData,
} from '@wfp/contracts';
import { MessagePublisherService } from '@wfp/messaging';
import { MetricsRegistryService } from '@wfp/observability';
import { IsolatedInfra, waitFor } from '@wfp/testing';
import { bootstrap } from '../src/bootstrap';

/**
 * contact-resolver booted in-process (the production bootstrap) against RabbitMQ and FerretDB:
 * what DESIGN.md section 8 and the event catalogue promise about contact resolution. One profile
 * per person within an organization (matched by externalId, then email, then phone, however the
 * identifiers are written, and however many items for that person arrive at once); one RUNNING or
 * COMPLETED run per candidate and workflow version (a second is skipped, naming the holder, and
 * gets no `runs.start`); failed and cancelled runs release the candidate; every event matches its
 * catalogue schema; a redelivered command emits nothing new.
 *
 * Events are read from the namespace's events exchange (IsolatedInfra's watch queue), the
 * `runs.start` commands from a queue of this file's own bound to the commands exchange, and the
 * resolver's documents straight from its database. "Nothing more was sent" is asserted once the
 * resolver has acknowledged the messages concerned (its `messages_handled_total` counter): it
 * publishes an item's messages, with confirms, before it acknowledges the item.
 */
describe('contact-resolver: profiles, dedup and run claims', () => {
  const ORG = 'org_cr';
  const WORKFLOW = 'wf_cr';
  const CONTACT_EVENTS: readonly string[] = [
    WorkflowEventType.ContactResolved,
    WorkflowEventType.ContactResolutionSkipped,
    WorkflowEventType.ContactResolutionFailed,
  ];
  const ajv = addFormats(new Ajv2020({ allErrors: true, strict: true }));

  let isolated: IsolatedInfra;
  let app: INestApplication;
  let publisher: MessagePublisherService;
  let mongo: MongoClient;
  let db: Db;
  let commandsQueue: string;

  /** Contact events taken so far (each checked against its catalogue schema when taken). */
  const events: MessageEnvelope[] = [];
  /** `runs.start` commands the resolver published so far. */
  const starts: MessageEnvelope<RunsStartCommand>[] = [];
  /** Schema checks passed, by event type (test 4 checks each type was seen). */
  const validated = new Map<string, number>();
  /** Messages that failed their check in collect(); asserted empty after every test. */
  const problems: { message: string; errors: unknown[] }[] = [];

  type ResolveCommand = MessageEnvelope<ContactsResolveCommand>;

  interface Item {
    requestId: string;
    workflowVersionId: string;
    organizationId?: string;
    contactIndex?: number;
    contact?: InlineContact;
  }

  const command = (item: Item): ResolveCommand =>
    createEnvelope(
      ContactsResolveCommand,
      {
        requestId: item.requestId,
        contactIndex: item.contactIndex ?? 0,
        workflowId: WORKFLOW,
        workflowVersionId: item.workflowVersionId,
        versionNumber: 3,
        workflowExternalId: 'cr-screening',
        triggerSource: 'API',
        inputs: { source: 'int-spec' },
        ...(item.contact ? { contact: item.contact } : {}),
      } as ContactsResolveCommand,
      { organizationId: item.organizationId ?? ORG },
    );

  /**
   * Moves what the broker holds into `events` / `starts`. Each contact event is checked against its
   * catalogue schema and each `runs.start` against what workflow-processor accepts; what fails is
   * kept in `problems` (not thrown: collect() runs inside waitFor, which would swallow it).
   */
  async function collect(): Promise<void> {
    for (const event of await isolated.takeEvents()) {
      if (!CONTACT_EVENTS.includes(event.type)) continue; // the run-terminal events this file publishes
      checkEvent(event);
      events.push(event);
    }
    for (let message = await isolated.probe.take(commandsQueue); message;) {
      const start = JSON.parse(message.content.toString('utf8')) as MessageEnvelope<RunsStartCommand>;
      try {
        if (start.type !== RunsStartCommand.type) throw new Error(`unexpected type ${start.type}`);
        parsePayload(RunsStartCommand, start.payload);
      } catch (error) {
        problems.push({ message: start.id, errors: [String(error)] });
      }
      starts.push(start);
      message = await isolated.probe.take(commandsQueue);
    }
  }

  /** The payload matches the event's catalogue JSON Schema; the envelope is a proper event envelope. */
  function checkEvent(event: MessageEnvelope): void {
    const errors: unknown[] = [];
    if (!ajv.validate(eventSchema(event.type as WorkflowEventType), event.payload)) errors.push(...(ajv.errors ?? []));
    if (!/^evt_/.test(event.id)) errors.push(`event id ${event.id}`);
    if (event.schemaVersion !== 1) errors.push(`schemaVersion ${event.schemaVersion}`);
    if ((event.payload as { organizationId?: string }).organizationId !== event.organizationId)
      errors.push('payload organizationId differs from the envelope');
    if (errors.length > 0) problems.push({ message: `${event.type} ${event.id}`, errors });
    else validated.set(event.type, (validated.get(event.type) ?? 0) + 1);
  }

  /** Events caused by this command (any delivery of it). */
  const eventsOf = (sent: ResolveCommand) => events.filter((event) => event.causationId === sent.id);
  const startsOf = (sent: ResolveCommand) => starts.filter((start) => start.causationId === sent.id);

  /** The one event this command caused, once it is there; it carries the command's correlation. */
  async function eventOf<T>(sent: ResolveCommand, type: string): Promise<MessageEnvelope<T>> {
    const event = await waitFor(
      async () => {
        await collect();
        return eventsOf(sent)[0];
      },
      { what: `the event of ${sent.payload.requestId}` },
    );
    expect(problems).toEqual([]);
    expect(event.type).toBe(type);
    expect(event).toMatchObject({ organizationId: sent.organizationId, correlationId: sent.correlationId });
    return event as MessageEnvelope<T>;
  }

  /** Messages of this queue the resolver acknowledged (handled to the end) so far. */
  async function acked(queue: 'contact-resolver.commands' | 'contact-resolver.run-events'): Promise<number> {
    const counter = app
      .get(MetricsRegistryService)
      .counter({ name: 'messages_handled_total', help: '', labelNames: ['queue', 'outcome'] });
    const { values } = await counter.get();
    return values
      .filter(
        (value) => value.labels['queue'] === `${isolated.namespace}.${queue}` && value.labels['outcome'] === 'acked',
      )
      .reduce((sum, value) => sum + value.value, 0);
  }

  /** Publishes the commands at once and waits until the resolver acknowledged every delivery. */
  async function deliver(...sent: ResolveCommand[]): Promise<void> {
    const before = await acked('contact-resolver.commands');
    await Promise.all(sent.map((envelope) => publisher.publish('commands', envelope)));
    await waitFor(async () => (await acked('contact-resolver.commands')) >= before + sent.length, {
      what: `${sent.length} contacts.resolve acknowledged`,
    });
    await collect();
  }

  /** Resolves one item that must start a run: its WORKFLOW_CONTACT_RESOLVED and its one `runs.start`. */
  async function resolveNew(item: Item) {
    const sent = command(item);
    await deliver(sent);
    const resolved = await eventOf<ContactResolvedData>(sent, WorkflowEventType.ContactResolved);
    const runId = runIdFor(item.requestId, item.contactIndex ?? 0);
    expect(resolved.payload.recordId).toBe(runId);
    expect(eventsOf(sent)).toHaveLength(1);
    const [start, ...more] = startsOf(sent);
    expect(more).toEqual([]);
    expect(start?.payload).toMatchObject({
      runId,
      workflowVersionId: item.workflowVersionId,
      candidateProfileId: resolved.payload.candidateProfileId,
      contact: { email: resolved.payload.email, phoneNumber: resolved.payload.phoneNumber },
    });
    return { sent, resolved: resolved.payload, runId, profileId: resolved.payload.candidateProfileId as string };
  }

  const profileKey = (id: string) => db.collection<{ _id: string }>('profile_keys').findOne({ _id: id });
  const claimOf = (workflowVersionId: string, profileId: string) =>
    db
      .collection<{ _id: string; runId: string; status: string }>('run_claims')
      .findOne({ _id: `${workflowVersionId}:${profileId}` });

  /** A run-terminal event as workflow-processor emits it (planRunEnding), checked against the catalogue. */
  async function publishRunEnded(
    type: 'WORKFLOW_RUN_FAILED' | 'WORKFLOW_RUN_CANCELLED' | 'WORKFLOW_RUN_COMPLETED',
    run: { runId: string; profileId: string; workflowVersionId: string },
  ): Promise<void> {
    const now = new Date().toISOString();
    const common = {
      recordId: run.runId,
      organizationId: ORG,
      workflowId: WORKFLOW,
      workflowVersionId: run.workflowVersionId,
      workflowExternalId: 'cr-screening',
      candidateProfileId: run.profileId,
      candidateProfileExternalId: null,
      timestamp: now,
      startedAt: now,
      completedAt: now,
      finalNodeId: 'screen',
      truncated: false,
      nodes: [
        {
          nodeId: 'screen',
          nodeType: 'CONDITION' as const,
          enteredAt: now,
          completedAt: now,
          routingEvent: 'onConditionResolved',
          outcome: { kind: 'condition' as const, targetNodeId: null, targetNodeLabel: null },
        },
      ],
    };
    const data =
      type === WorkflowEventType.RunFailed
        ? ({
            ...common,
            outcome: 'failed',
            errorCode: 'DOWNSTREAM_SERVICE_ERROR',
            errorClass: 'SYSTEM',
            lastFailedNodeId: 'screen',
          } satisfies RunFailedData)
        : type === WorkflowEventType.RunCancelled
          ? ({ ...common, outcome: 'cancelled', cancellationReason: 'Candidate withdrew' } satisfies RunCancelledData)
          : ({ ...common, outcome: 'completed' } satisfies RunCompletedData);
    expect(ajv.validate(eventSchema(type), data)).toBe(true);
    const before = await acked('contact-resolver.run-events');
    await publisher.publish(
      'events',
      createUncheckedEnvelope({ type, schemaVersion: 1 }, data, { organizationId: ORG }),
    );
    await waitFor(async () => (await acked('contact-resolver.run-events')) > before, {
      what: `${type} of ${run.runId} handled`,
    });
  }

  beforeAll(async () => {
    isolated = await IsolatedInfra.create('resolver');
    // runs.start has a queue before the resolver publishes any: what it sends there is observed.
    commandsQueue = `${isolated.namespace}.test.runs-start`;
    await isolated.probe.listen(commandsQueue, `${isolated.namespace}.commands`, RunsStartCommand.type);
    app = await bootstrap(isolated.serviceEnv({ CONTACT_RESOLVER_PORT: '0' }));
    await isolated.consuming('contact-resolver.commands');
    await isolated.consuming('contact-resolver.run-events');
    publisher = app.get(MessagePublisherService);
    mongo = await MongoClient.connect(isolated.infra.mongoUrl, { serverSelectionTimeoutMS: 5000 });
    db = mongo.db(isolated.database);
  });

  afterEach(async () => {
    await collect();
    expect(problems).toEqual([]);
  });

  afterAll(async () => {
    await app?.close();
    await mongo?.close();
    await isolated?.probe.deleteQueue(commandsQueue);
    await isolated?.cleanup();
  });

  describe('1. one profile per person within an organization', () => {
    it('matches an email however it is written: the same profile, new the first time only', async () => {
      const first = await resolveNew({
        requestId: 'req_email_1',
        workflowVersionId: 'wfv_email_1',
        contact: { email: '  Ada.Lovelace@Example.COM ', firstName: ' Ada ' },
      });
      expect(first.resolved).toMatchObject({
        organizationId: ORG,
        workflowId: WORKFLOW,
        workflowExternalId: 'cr-screening',
        workflowVersionId: 'wfv_email_1',
        versionNumber: 3,
        candidateProfileId: expect.stringMatching(/^cp_/),
        externalId: null,
        email: 'ada.lovelace@example.com',
        phoneNumber: null,
        isNewProfile: true,
        contactIndex: 0,
        rejectedIdentifiers: [],
      });

      const second = await resolveNew({
        requestId: 'req_email_2',
        workflowVersionId: 'wfv_email_2',
        contact: { email: 'ada.lovelace@example.com' },
      });
      expect(second.resolved).toMatchObject({
        candidateProfileId: first.profileId,
        email: 'ada.lovelace@example.com',
        isNewProfile: false,
      });

      expect(await db.collection('candidate_profiles').countDocuments({ email: 'ada.lovelace@example.com' })).toBe(1);
      expect(await profileKey(`${ORG}:email:ada.lovelace@example.com`)).toMatchObject({ profileId: first.profileId });
    });

    it('matches a phone number written nationally or in E.164 to the same person', async () => {
      const international = await resolveNew({
        requestId: 'req_phone_1',
        workflowVersionId: 'wfv_phone_1',
        contact: { phoneNumber: '+44 7911 123456' },
      });
      expect(international.resolved).toMatchObject({ phoneNumber: '+447911123456', email: null, isNewProfile: true });

      // national format, read with DEFAULT_PHONE_REGION (GB)
      const national = await resolveNew({
        requestId: 'req_phone_2',
        workflowVersionId: 'wfv_phone_2',
        contact: { phoneNumber: '07911 123456' },
      });
      expect(national.resolved).toMatchObject({
        candidateProfileId: international.profileId,
        phoneNumber: '+447911123456',
        isNewProfile: false,
      });

      // a contact with a new email and the known phone is that person too; the email now finds them
      const withEmail = await resolveNew({
        requestId: 'req_phone_3',
        workflowVersionId: 'wfv_phone_3',
        contact: { email: 'Phone.Person@example.com', phoneNumber: '(0)7911-123-456' },
      });
      expect(withEmail.resolved).toMatchObject({ candidateProfileId: international.profileId, isNewProfile: false });
      expect(await profileKey(`${ORG}:email:phone.person@example.com`)).toMatchObject({
        profileId: international.profileId,
      });
      expect(await db.collection('candidate_profiles').countDocuments({ phoneNumber: '+447911123456' })).toBe(1);
    });

    it('resolves a contact with one profile’s email and another’s phone to the email’s profile (email is matched before phone)', async () => {
      const byEmail = await resolveNew({
        requestId: 'req_mix_1',
        workflowVersionId: 'wfv_mix_1',
        contact: { email: 'grace@example.com', phoneNumber: '+44 7700 900001' },
      });
      const byPhone = await resolveNew({
        requestId: 'req_mix_2',
        workflowVersionId: 'wfv_mix_2',
        contact: { phoneNumber: '+44 7700 900002' },
      });
      expect(byPhone.profileId).not.toBe(byEmail.profileId);

      const mixed = await resolveNew({
        requestId: 'req_mix_3',
        workflowVersionId: 'wfv_mix_3',
        contact: { email: 'GRACE@example.com', phoneNumber: '07700 900002' },
      });
      // What the code does: the first key in matching order (externalId, email, phone) that exists
      // decides; the other person's phone stays theirs (nothing is merged or moved), and the event
      // and `runs.start` carry the matched profile's stored identifiers, not the phone sent here.
      expect(mixed.resolved).toMatchObject({
        candidateProfileId: byEmail.profileId,
        isNewProfile: false,
        email: 'grace@example.com',
        phoneNumber: '+447700900001',
      });
      expect(await profileKey(`${ORG}:phone:+447700900002`)).toMatchObject({ profileId: byPhone.profileId });
      expect(await profileKey(`${ORG}:phone:+447700900001`)).toMatchObject({ profileId: byEmail.profileId });
      expect(
        await db
          .collection('candidate_profiles')
          .countDocuments({ _id: { $in: [byEmail.profileId, byPhone.profileId] } as never }),
      ).toBe(2);
    });

    it('adds the identifiers a later contact brings to the profile, and to its events and runs', async () => {
      const first = await resolveNew({
        requestId: 'req_learn_1',
        workflowVersionId: 'wfv_learn_1',
        contact: { email: 'learn@example.com' },
      });
      expect(first.resolved).toMatchObject({ email: 'learn@example.com', phoneNumber: null, externalId: null });
      const richer = await resolveNew({
        requestId: 'req_learn_2',
        workflowVersionId: 'wfv_learn_2',
        contact: { externalId: 'ats-learn', email: 'Learn@example.com', phoneNumber: '07700 900888' },
      });
      expect(richer.resolved).toMatchObject({
        candidateProfileId: first.profileId,
        isNewProfile: false,
        externalId: 'ats-learn',
        email: 'learn@example.com',
        phoneNumber: '+447700900888',
      });
      expect(await db.collection('candidate_profiles').findOne({ _id: first.profileId } as never)).toMatchObject({
        externalId: 'ats-learn',
        email: 'learn@example.com',
        phoneNumber: '+447700900888',
      });
      // Found by the identifier it learned, with everything known of the person.
      const byPhone = await resolveNew({
        requestId: 'req_learn_3',
        workflowVersionId: 'wfv_learn_3',
        contact: { phoneNumber: '+447700900888' },
      });
      expect(byPhone.resolved).toMatchObject({
        candidateProfileId: first.profileId,
        email: 'learn@example.com',
        phoneNumber: '+447700900888',
      });
    });

    it('keeps organizations apart: the same email in another organization is another, new profile', async () => {
      const here = await resolveNew({
        requestId: 'req_org_1',
        workflowVersionId: 'wfv_org_1',
        contact: { email: 'shared@example.com' },
      });
      const there = await resolveNew({
        requestId: 'req_org_2',
        workflowVersionId: 'wfv_org_2',
        organizationId: 'org_other',
        contact: { email: 'Shared@Example.com' },
      });
      expect(there.resolved).toMatchObject({ organizationId: 'org_other', isNewProfile: true });
      expect(there.profileId).not.toBe(here.profileId);
      expect(await profileKey(`org_other:email:shared@example.com`)).toMatchObject({ profileId: there.profileId });
      expect(await db.collection('candidate_profiles').findOne({ _id: there.profileId as never })).toMatchObject({
        organizationId: 'org_other',
        email: 'shared@example.com',
      });
    });
  });

  describe('2. concurrent items for one new person', () => {
    /**
     * Eight items for one new person at once, cycling through `contacts`: they resolve to one
     * profile, reported as new to exactly one item. Returns what was sent and that profile.
     */
    async function resolveConcurrently(prefix: string, contacts: InlineContact[]) {
      const sent = Array.from({ length: 8 }, (_, index) =>
        command({
          requestId: `req_${prefix}_${index}`,
          workflowVersionId: `wfv_${prefix}_${index}`,
          contact: contacts[index % contacts.length],
        }),
      );
      await deliver(...sent);
      const resolved = await Promise.all(
        sent.map((one) => eventOf<ContactResolvedData>(one, WorkflowEventType.ContactResolved)),
      );
      const profileIds = new Set(resolved.map((event) => event.payload.candidateProfileId));
      expect(profileIds.size).toBe(1);
      expect(resolved.filter((event) => event.payload.isNewProfile)).toHaveLength(1);
      return { sent, resolved, profileId: [...profileIds][0] as string };
    }

    /** The profiles these keys point at, in the store's order. */
    async function profilesOfKeys(keys: string[]): Promise<unknown[]> {
      const found = await db
        .collection('profile_keys')
        .find({ _id: { $in: keys } as never })
        .toArray();
      return found.map((key) => key['profileId']);
    }

    it('create exactly one profile, reported as new to exactly one item', async () => {
      const { sent, resolved, profileId } = await resolveConcurrently('rush', [
        { email: 'rush@example.com', phoneNumber: '+447700900555' },
        { email: ' RUSH@example.com', phoneNumber: '07700 900555' },
        { email: 'Rush@Example.com ', phoneNumber: '+44 7700 900555' },
        { email: 'rush@EXAMPLE.COM', phoneNumber: '07700900555' },
      ]);
      for (const event of resolved)
        expect(event.payload).toMatchObject({ email: 'rush@example.com', phoneNumber: '+447700900555' });
      expect(sent.flatMap(startsOf)).toHaveLength(8);

      const profiles = await db
        .collection('candidate_profiles')
        .find({ $or: [{ email: 'rush@example.com' }, { phoneNumber: '+447700900555' }] })
        .toArray();
      expect(profiles.map((profile) => profile._id)).toEqual([profileId]);
      expect(await profilesOfKeys([`${ORG}:email:rush@example.com`, `${ORG}:phone:+447700900555`])).toEqual([
        profileId,
        profileId,
      ]);
    });

    it('create one profile when the items lead with different identifiers of the person', async () => {
      // Each item's first key (externalId, else email, else phone) differs; they share the email.
      const { profileId } = await resolveConcurrently('lead', [
        { email: 'lead@example.com' },
        { externalId: 'ats-lead', email: 'lead@example.com' },
        { email: 'LEAD@example.com', phoneNumber: '+447700900999' },
        { externalId: 'ats-lead-2', email: 'lead@example.com' },
      ]);
      const keys = [
        `${ORG}:email:lead@example.com`,
        `${ORG}:externalId:ats-lead`,
        `${ORG}:externalId:ats-lead-2`,
        `${ORG}:phone:+447700900999`,
      ];
      expect(await profilesOfKeys(keys)).toEqual([profileId, profileId, profileId, profileId]);
      expect(await db.collection('candidate_profiles').countDocuments({ email: 'lead@example.com' } as never)).toBe(1);
    });

    it('on one workflow version, start exactly one run: the others are skipped, naming it', async () => {
      const sent = Array.from({ length: 6 }, (_, index) =>
        command({
          requestId: `req_stampede_${index}`,
          workflowVersionId: 'wfv_stampede',
          contact: { email: index % 2 ? 'Stampede@example.com' : 'stampede@example.com' },
        }),
      );
      await deliver(...sent);
      await waitFor(
        async () => {
          await collect();
          return sent.every((one) => eventsOf(one).length > 0);
        },
        { what: 'an event for each of the 6 items' },
      );
      const all = sent.flatMap(eventsOf);
      expect(all).toHaveLength(6);
      const resolved = all.filter((event) => event.type === WorkflowEventType.ContactResolved);
      expect(resolved).toHaveLength(1);
      const winner = resolved[0].payload as ContactResolvedData;
      const skipped = all.filter((event) => event.type === WorkflowEventType.ContactResolutionSkipped);
      expect(skipped).toHaveLength(5);
      for (const event of skipped)
        expect(event.payload).toMatchObject({
          recordId: winner.recordId,
          candidateProfileId: winner.candidateProfileId,
          existingRunStatus: 'RUNNING',
        });
      expect(sent.flatMap(startsOf).map((start) => start.payload.runId)).toEqual([winner.recordId]);
      expect(await db.collection('candidate_profiles').countDocuments({ email: 'stampede@example.com' })).toBe(1);
      expect(await claimOf('wfv_stampede', winner.candidateProfileId as string)).toMatchObject({
        runId: winner.recordId,
        status: 'RUNNING',
      });
    });
  });

  describe('3. one RUNNING or COMPLETED run per candidate and workflow version', () => {
    /** A first run for a new candidate, then a second request for the same version and candidate. */
    async function runThenRequestAgain(label: string) {
      const workflowVersionId = `wfv_claim_${label}`;
      const contact = { email: `claim.${label}@example.com` };
      const first = await resolveNew({ requestId: `req_claim_${label}_1`, workflowVersionId, contact });
      const run = { runId: first.runId, profileId: first.profileId, workflowVersionId };
      expect(await claimOf(workflowVersionId, run.profileId)).toMatchObject({ runId: run.runId, status: 'RUNNING' });

      const again = command({ requestId: `req_claim_${label}_2`, workflowVersionId, contact });
      await deliver(again);
      const skipped = await eventOf<ContactResolutionSkippedData>(again, WorkflowEventType.ContactResolutionSkipped);
      expect(skipped.payload).toEqual({
        recordId: run.runId,
        organizationId: ORG,
        workflowId: WORKFLOW,
        workflowExternalId: 'cr-screening',
        candidateProfileId: run.profileId,
        externalId: null,
        email: contact.email,
        phoneNumber: null,
        contactIndex: 0,
        existingRunStatus: 'RUNNING',
        rejectedIdentifiers: [],
      });
      expect(eventsOf(again)).toHaveLength(1);
      expect(startsOf(again)).toEqual([]);
      return { run, contact, workflowVersionId, firstSent: first.sent };
    }

    it.each([WorkflowEventType.RunFailed, WorkflowEventType.RunCancelled] as const)(
      'skips a second request while the run is RUNNING; after %s the candidate can run again',
      async (ended) => {
        const label = ended === WorkflowEventType.RunFailed ? 'failed' : 'cancelled';
        const { run, contact, workflowVersionId, firstSent } = await runThenRequestAgain(label);

        await publishRunEnded(ended, run);
        await waitFor(async () => (await claimOf(workflowVersionId, run.profileId))?.status === 'ENDED', {
          what: 'the ended claim',
        });
        expect(await claimOf(workflowVersionId, run.profileId)).toMatchObject({ runId: run.runId, status: 'ENDED' });

        // A late redelivery of the item that started the ended run claims nothing again: it repeats
        // that item's own messages (same ids, which the processor and dispatcher already have).
        const firstIds = eventsOf(firstSent).map((event) => event.id);
        await deliver(firstSent);
        expect([...new Set(eventsOf(firstSent).map((event) => event.id))]).toEqual(firstIds);
        expect(new Set(startsOf(firstSent).map((start) => start.id)).size).toBe(1);
        expect(await claimOf(workflowVersionId, run.profileId)).toMatchObject({ runId: run.runId, status: 'ENDED' });

        const next = await resolveNew({ requestId: `req_claim_${label}_3`, workflowVersionId, contact });
        expect(next.resolved).toMatchObject({ candidateProfileId: run.profileId, isNewProfile: false });
        expect(next.runId).not.toBe(run.runId);
        expect(await claimOf(workflowVersionId, run.profileId)).toMatchObject({ runId: next.runId, status: 'RUNNING' });

        // a late or repeated end of the earlier run does not free the new run's claim
        await publishRunEnded(ended, run);
        expect(await claimOf(workflowVersionId, run.profileId)).toMatchObject({ runId: next.runId, status: 'RUNNING' });
        const blocked = command({ requestId: `req_claim_${label}_4`, workflowVersionId, contact });
        await deliver(blocked);
        const skipped = await eventOf<ContactResolutionSkippedData>(
          blocked,
          WorkflowEventType.ContactResolutionSkipped,
        );
        expect(skipped.payload).toMatchObject({ recordId: next.runId, existingRunStatus: 'RUNNING' });
        expect(startsOf(blocked)).toEqual([]);
      },
    );

    it('keeps the claim after WORKFLOW_RUN_COMPLETED: a later request is skipped as COMPLETED', async () => {
      const { run, contact, workflowVersionId } = await runThenRequestAgain('completed');

      await publishRunEnded(WorkflowEventType.RunCompleted, run);
      expect(await claimOf(workflowVersionId, run.profileId)).toMatchObject({ runId: run.runId, status: 'COMPLETED' });

      const later = command({ requestId: 'req_claim_completed_3', workflowVersionId, contact });
      await deliver(later);
      const skipped = await eventOf<ContactResolutionSkippedData>(later, WorkflowEventType.ContactResolutionSkipped);
      expect(skipped.payload).toMatchObject({
        recordId: run.runId,
        candidateProfileId: run.profileId,
        existingRunStatus: 'COMPLETED',
      });
      expect(startsOf(later)).toEqual([]);

      // another version of the workflow is another claim: the candidate runs on it
      const otherVersion = await resolveNew({
        requestId: 'req_claim_completed_4',
        workflowVersionId: `${workflowVersionId}_v2`,
        contact,
      });
      expect(otherVersion.resolved).toMatchObject({ candidateProfileId: run.profileId, isNewProfile: false });
    });
  });

  describe('4. every event matches its catalogue schema', () => {
    it('for resolved (with rejected identifiers), skipped and failed items', async () => {
      const resolved = await resolveNew({
        requestId: 'req_schema_1',
        workflowVersionId: 'wfv_schema',
        contactIndex: 2,
        contact: { externalId: ' ats_42 ', email: 'schema@example.com', phoneNumber: 'call me' },
      });
      expect(resolved.resolved).toEqual({
        recordId: runIdFor('req_schema_1', 2),
        organizationId: ORG,
        workflowId: WORKFLOW,
        workflowExternalId: 'cr-screening',
        workflowVersionId: 'wfv_schema',
        versionNumber: 3,
        candidateProfileId: resolved.profileId,
        externalId: 'ats_42',
        email: 'schema@example.com',
        phoneNumber: null,
        isNewProfile: true,
        contactIndex: 2,
        rejectedIdentifiers: [{ field: 'phoneNumber', value: 'call me', reason: 'NOT_A_PHONE_NUMBER' }],
      });

      // the external id matches first, whatever else the contact carries
      const skippedItem = command({
        requestId: 'req_schema_2',
        workflowVersionId: 'wfv_schema',
        contactIndex: 1,
        contact: { externalId: 'ats_42', email: 'not-an-email' },
      });
      await deliver(skippedItem);
      const skipped = await eventOf<ContactResolutionSkippedData>(
        skippedItem,
        WorkflowEventType.ContactResolutionSkipped,
      );
      expect(skipped.payload).toEqual({
        recordId: resolved.runId,
        organizationId: ORG,
        workflowId: WORKFLOW,
        workflowExternalId: 'cr-screening',
        candidateProfileId: resolved.profileId,
        externalId: 'ats_42',
        email: 'schema@example.com',
        phoneNumber: null,
        contactIndex: 1,
        existingRunStatus: 'RUNNING',
        rejectedIdentifiers: [{ field: 'email', value: 'not-an-email', reason: 'NOT_AN_EMAIL_ADDRESS' }],
      });

      const failedItem = command({
        requestId: 'req_schema_3',
        workflowVersionId: 'wfv_schema',
        contactIndex: 4,
        contact: { email: 'invalid@example', phoneNumber: '12', firstName: 'Nobody' },
      });
      await deliver(failedItem);
      const failed = await eventOf<ContactResolutionFailedData>(failedItem, WorkflowEventType.ContactResolutionFailed);
      expect(failed.payload).toEqual({
        recordId: contactDedupKey(ORG, 'req_schema_3', 4),
        organizationId: ORG,
        workflowId: WORKFLOW,
        workflowExternalId: 'cr-screening',
        externalId: null,
        email: 'invalid@example',
        phoneNumber: '12',
        contactIndex: 4,
        reason: 'NO_USABLE_IDENTIFIER',
        rejectedIdentifiers: [
          { field: 'email', value: 'invalid@example', reason: 'NOT_AN_EMAIL_ADDRESS' },
          { field: 'phoneNumber', value: '12', reason: 'NOT_A_PHONE_NUMBER' },
        ],
      });
      expect(startsOf(failedItem)).toEqual([]);

      // every contact event of this file went through the schema check in collect()
      await collect();
      expect(events.length).toBeGreaterThan(0);
      for (const type of CONTACT_EVENTS) expect(validated.get(type) ?? 0).toBeGreaterThan(0);
      expect([...validated.values()].reduce((sum, count) => sum + count, 0)).toBe(events.length);
    });
  });

  describe('5. redelivery', () => {
    /**
     * At least once: a copy handled while the first is still in flight republishes the first
     * record's messages, so a message may arrive twice, always with the same id (consumers
     * deduplicate by id). What must never happen is a second, different event or run.
     */
    const distinct = (messages: MessageEnvelope[]) => {
      const byId = new Map(messages.map((message) => [message.id, message]));
      for (const message of messages) expect(message).toEqual(byId.get(message.id));
      return [...byId.values()];
    };

    it('emits one event (and one runs.start) for a command delivered again with the same envelope id', async () => {
      const resolvedItem = command({
        requestId: 'req_redeliver_1',
        workflowVersionId: 'wfv_redeliver',
        contact: { email: 'again@example.com' },
      });
      // two deliveries at once, then a third after the first two were handled
      await deliver(resolvedItem, resolvedItem);
      await deliver(resolvedItem);
      const resolved = await eventOf<ContactResolvedData>(resolvedItem, WorkflowEventType.ContactResolved);
      expect(resolved.payload).toMatchObject({ isNewProfile: true, recordId: runIdFor('req_redeliver_1', 0) });
      expect(distinct(eventsOf(resolvedItem))).toHaveLength(1);
      expect(distinct(startsOf(resolvedItem))).toHaveLength(1);

      const skippedItem = command({
        requestId: 'req_redeliver_2',
        workflowVersionId: 'wfv_redeliver',
        contact: { email: 'again@example.com' },
      });
      const failedItem = command({
        requestId: 'req_redeliver_3',
        workflowVersionId: 'wfv_redeliver',
        contact: { email: 'nope' },
      });
      await deliver(skippedItem, skippedItem, failedItem, failedItem);
      await deliver(skippedItem, failedItem);
      await eventOf(skippedItem, WorkflowEventType.ContactResolutionSkipped);
      await eventOf(failedItem, WorkflowEventType.ContactResolutionFailed);
      expect(distinct(eventsOf(skippedItem))).toHaveLength(1);
      expect(distinct(eventsOf(failedItem))).toHaveLength(1);
      expect([...startsOf(skippedItem), ...startsOf(failedItem)]).toEqual([]);
      // the item keeps its first answer: the skipped one is still reported against the first run
      expect(eventsOf(skippedItem)[0].payload).toMatchObject({ recordId: resolved.payload.recordId });
    });
  });
});
