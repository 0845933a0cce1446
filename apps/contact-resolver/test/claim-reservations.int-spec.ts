import type { INestApplication } from '@nestjs/common';
import { getModelToken } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import {
  ClaimsConfirmCommand,
  ContactsResolveCommand,
  createEnvelope,
  type ContactResolvedData,
  type MessageEnvelope,
} from '@wfp/contracts';
import { ContactResolverService, RunClaim } from '@wfp/contact-resolution';
import { MessagePublisherService } from '@wfp/messaging';
import { IsolatedInfra, waitFor } from '@wfp/testing';
import { bootstrap } from '../src/bootstrap';

/**
 * A retry's claim on (version, candidate) against RabbitMQ and FerretDB: reserved by request, made
 * the run's by `claims.confirm`, and free again once a reservation lapses unconfirmed, so a
 * processor that stopped between reserving and creating the run never blocks the candidate for good.
 */
describe('contact-resolver: claim reservations for retries', () => {
  const organizationId = 'org_claims';
  let isolated: IsolatedInfra;
  let app: INestApplication;
  let resolver: ContactResolverService;
  let claims: Model<RunClaim>;
  let candidateProfileId: string;

  const resolveCommand = (requestId: string, workflowVersionId: string) =>
    createEnvelope(
      ContactsResolveCommand,
      {
        requestId,
        contactIndex: 0,
        workflowId: 'wf_claims',
        workflowVersionId,
        versionNumber: 1,
        workflowExternalId: null,
        triggerSource: 'API',
        contact: { email: 'ada@example.com' },
      } as ContactsResolveCommand,
      { organizationId },
    );

  /** Resolves the contact for a version and returns its one contact event. */
  async function resolveOn(requestId: string, workflowVersionId: string): Promise<MessageEnvelope> {
    await app.get(MessagePublisherService).publish('commands', resolveCommand(requestId, workflowVersionId));
    return waitFor(async () => {
      const events = await isolated.takeEvents();
      return events.find((event) => event.type.startsWith('WORKFLOW_CONTACT_'));
    });
  }

  const claimOf = (workflowVersionId: string) =>
    claims.findById(`${workflowVersionId}:${candidateProfileId}`).lean().exec();

  beforeAll(async () => {
    isolated = await IsolatedInfra.create('claims');
    app = await bootstrap(isolated.serviceEnv({ CONTACT_RESOLVER_PORT: '0' }));
    await isolated.consuming('contact-resolver.commands');
    resolver = app.get(ContactResolverService);
    claims = app.get(getModelToken(RunClaim.name));
    const resolved = await resolveOn('req_profile', 'wfv_first');
    candidateProfileId = (resolved.payload as ContactResolvedData).candidateProfileId as string;
  });

  afterAll(async () => {
    await app?.close();
    await isolated?.cleanup();
  });

  it('reserves, and a reservation blocks a new start of the candidate like a running run', async () => {
    const ref = { workflowVersionId: 'wfv_reserved', candidateProfileId, runId: 'run_retry_1' };
    expect(await resolver.acquireClaim(organizationId, ref)).toEqual({
      acquired: true,
      holderRunId: 'run_retry_1',
      holderStatus: 'RUNNING',
    });
    expect(await claimOf('wfv_reserved')).toMatchObject({ runId: 'run_retry_1', status: 'RESERVED' });
    // Asked again (the gateway retried): the same reservation.
    expect((await resolver.acquireClaim(organizationId, ref)).acquired).toBe(true);
    // Another run of the same version is refused, naming the holder.
    expect(await resolver.acquireClaim(organizationId, { ...ref, runId: 'run_other' })).toEqual({
      acquired: false,
      holderRunId: 'run_retry_1',
      holderStatus: 'RUNNING',
    });
    const skipped = await resolveOn('req_blocked', 'wfv_reserved');
    expect(skipped).toMatchObject({
      type: 'WORKFLOW_CONTACT_RESOLUTION_SKIPPED',
      payload: { recordId: 'run_retry_1', existingRunStatus: 'RUNNING', candidateProfileId },
    });
  });

  it('becomes the run’s claim when the run’s creation confirms it', async () => {
    const ref = { workflowVersionId: 'wfv_confirmed', candidateProfileId, runId: 'run_retry_2' };
    await resolver.acquireClaim(organizationId, ref);
    await app
      .get(MessagePublisherService)
      .publish('commands', createEnvelope(ClaimsConfirmCommand, ref, { organizationId }));
    await waitFor(async () => (await claimOf('wfv_confirmed'))?.status === 'RUNNING', { what: 'the confirmed claim' });
    const confirmed = await claimOf('wfv_confirmed');
    expect(confirmed).toMatchObject({ runId: 'run_retry_2', status: 'RUNNING' });
    expect(confirmed?.reservedUntil).toBeUndefined();
    // A confirmed claim never lapses: past any reservation time it still refuses others.
    expect((await resolver.acquireClaim(organizationId, { ...ref, runId: 'run_other' })).acquired).toBe(false);
  });

  it('passes the failed run’s claim to its retry when the failure has not reached the resolver yet', async () => {
    const failedRunClaim = { workflowVersionId: 'wfv_replaced', candidateProfileId, runId: 'run_failed' };
    await resolver.acquireClaim(organizationId, failedRunClaim);
    await resolver.confirmClaim(organizationId, failedRunClaim);
    const answer = await resolver.acquireClaim(organizationId, {
      ...failedRunClaim,
      runId: 'run_failed_retry',
      replacesRunId: 'run_failed',
    });
    expect(answer.acquired).toBe(true);
    expect(await claimOf('wfv_replaced')).toMatchObject({ runId: 'run_failed_retry', status: 'RESERVED' });
    // The failed run's late end names the failed run: it releases nothing the retry holds.
    await resolver.settleClaim(organizationId, 'wfv_replaced', candidateProfileId, 'run_failed', false);
    expect(await claimOf('wfv_replaced')).toMatchObject({ runId: 'run_failed_retry' });
  });

  it('frees a reservation no run confirmed in time, for a retry and for a new start alike', async () => {
    const lapse = (workflowVersionId: string) =>
      claims
        .updateOne(
          { _id: `${workflowVersionId}:${candidateProfileId}` },
          { $set: { reservedUntil: new Date(Date.now() - 1000) } },
        )
        .exec();

    // A retry whose processor stopped before creating the run: another retry may take the candidate.
    const stranded = { workflowVersionId: 'wfv_lapsed', candidateProfileId, runId: 'run_never_made' };
    await resolver.acquireClaim(organizationId, stranded);
    await lapse('wfv_lapsed');
    expect((await resolver.acquireClaim(organizationId, { ...stranded, runId: 'run_next' })).acquired).toBe(true);
    expect(await claimOf('wfv_lapsed')).toMatchObject({ runId: 'run_next', status: 'RESERVED' });
    // Its late confirmation leaves the new holder alone.
    await resolver.confirmClaim(organizationId, stranded);
    expect(await claimOf('wfv_lapsed')).toMatchObject({ runId: 'run_next', status: 'RESERVED' });

    // And a new start through resolution resolves instead of being skipped.
    await resolver.acquireClaim(organizationId, {
      workflowVersionId: 'wfv_lapsed_start',
      candidateProfileId,
      runId: 'run_never_made_2',
    });
    await lapse('wfv_lapsed_start');
    const resolved = await resolveOn('req_after_lapse', 'wfv_lapsed_start');
    expect(resolved).toMatchObject({ type: 'WORKFLOW_CONTACT_RESOLVED', payload: { candidateProfileId } });
    expect(await claimOf('wfv_lapsed_start')).toMatchObject({ status: 'RUNNING' });
    expect((await claimOf('wfv_lapsed_start'))?.runId).not.toBe('run_never_made_2');
  });
});
