import { annotateActiveSpan, inSpan } from '@wfp/tracing';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { CountryCode } from 'libphonenumber-js';
import type { Counter } from 'prom-client';
import { MetricsRegistryService } from '@wfp/observability';
import {
  contactDedupKey,
  ContactResolutionFailedEvent,
  ContactResolutionSkippedEvent,
  ContactResolvedEvent,
  createEnvelope,
  newId,
  RpcError,
  runIdFor,
  RunsStartCommand,
  type ClaimAnswer,
  type ClaimsAcquireRequest,
  type ClaimsConfirmCommand,
  type ClaimsReleaseRequest,
  type ContactResolutionFailedData,
  type ContactResolutionSkippedData,
  type ContactResolvedData,
  type ContactsResolveCommand,
  type MessageEnvelope,
} from '@wfp/contracts';
import { isDuplicateKeyError, OutboxRelayService, toOutboxEntry, type OutboxEntry } from '@wfp/persistence';
import {
  IDENTIFIER_FIELDS,
  normalizeContact,
  profileKeyOf,
  profileKeys,
  type NormalizedContact,
  type RejectedIdentifier,
} from './normalize-contact';
import {
  CandidateProfileRepository,
  ContactResolutionRepository,
  RunClaimRepository,
} from './contact-resolution.repository';
import { ProfileKeyRepository } from './profile-key.repository';
import { ContactResolution, RunClaim } from './schemas';

export interface ResolverOptions {
  /** Region used to read phone numbers written without a country code (ISO 3166-1 alpha-2). */
  defaultRegion: CountryCode;
  /**
   * How long a retry's reservation holds the candidate before its run confirms it
   * (CLAIM_RESERVATION_MS by default). Confirmations normally arrive in milliseconds; this only
   * bounds how long a processor that stopped between reserving and creating the run blocks the
   * candidate, and must outlast the resolver's command backlog.
   */
  claimReservationMs?: number;
}

/** Ten minutes: far beyond a confirmation's normal delay, short enough to free a stranded claim. */
export const CLAIM_RESERVATION_MS = 10 * 60_000;

export const RESOLVER_OPTIONS = Symbol('RESOLVER_OPTIONS');

export type ResolutionResult = ContactResolution['result'];

interface ResolvedProfile {
  id: string;
  externalId: string | null;
  email: string | null;
  phoneNumber: string | null;
  isNew: boolean;
}

/** Attempts at taking a claim whose holder keeps changing under concurrent resolutions. */
const CLAIM_ATTEMPTS = 5;

/** Attempts at finding-or-creating a profile when concurrent resolutions keep colliding. */
const PROFILE_ATTEMPTS = 8;

/** Wait before looking again at a key whose profile is not made yet (grows with each look). */
const PROFILE_SETTLE_MS = 25;

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Turns one run-request item into a run (DESIGN.md section 8): normalize, match a profile by
 * externalId → email → phone within the organization (or create one), claim the
 * (version, candidate) pair, and record the result once with its event and `runs.start`.
 *
 * Store operations per item, for a new person: one read of the person's keys, one insert of the
 * first key, one of the profile, one of the claim (which carries the CONTACT_RESOLVED event and
 * `runs.start` in its outbox, published from memory). Every write is idempotent by `_id`, so a
 * redelivered command repeats the same steps, finds what the first attempt stored, and publishes
 * that attempt's messages again (`cause` = the item's dedup key) instead of new ones.
 */
@Injectable()
export class ContactResolverService {
  private readonly logger = new Logger(ContactResolverService.name);

  constructor(
    private readonly profiles: CandidateProfileRepository,
    private readonly keys: ProfileKeyRepository,
    private readonly claims: RunClaimRepository,
    private readonly resolutions: ContactResolutionRepository,
    private readonly outbox: OutboxRelayService,
    @Inject(RESOLVER_OPTIONS) private readonly options: ResolverOptions,
    @Optional() registry: MetricsRegistryService = new MetricsRegistryService(),
  ) {
    this.resolutionsRecorded = registry.counter({
      name: 'contact_resolutions_total',
      help: 'Contacts resolved into a run, skipped (the candidate already has one) or failed, counted once each.',
      labelNames: ['result'],
    });
  }

  private readonly resolutionsRecorded: Counter<'result'>;

  async resolve(envelope: MessageEnvelope<ContactsResolveCommand>): Promise<ResolutionResult> {
    const command = envelope.payload;
    const attributes = {
      organizationId: envelope.organizationId,
      workflowId: command.workflowId,
      workflowVersionId: command.workflowVersionId,
      runId: runIdFor(command.requestId, command.contactIndex),
    };
    return inSpan('contact.resolve', { attributes }, async (span) => {
      const result = await this.resolveItem(envelope);
      span.setAttribute('resolution', result);
      return result;
    });
  }

  private async resolveItem(envelope: MessageEnvelope<ContactsResolveCommand>): Promise<ResolutionResult> {
    const command = envelope.payload;
    const organizationId = envelope.organizationId;
    const dedupKey = contactDedupKey(organizationId, command.requestId, command.contactIndex);

    let profile: ResolvedProfile;
    let rejectedIdentifiers: RejectedIdentifier[] = [];
    if (command.candidateProfileId) {
      profile = await this.knownProfile(organizationId, command.candidateProfileId);
    } else {
      const normalized = normalizeContact(command.contact ?? {}, this.options.defaultRegion);
      if (!normalized.ok) return this.recordFailure(envelope, normalized.reason, normalized.rejected);
      rejectedIdentifiers = normalized.rejected;
      profile = await this.findOrCreateProfile(organizationId, normalized.contact, dedupKey);
    }

    annotateActiveSpan({ candidateProfileId: profile.id });
    const runId = runIdFor(command.requestId, command.contactIndex);
    const resolved: ContactResolvedData = {
      recordId: runId,
      organizationId,
      workflowId: command.workflowId,
      workflowExternalId: command.workflowExternalId,
      workflowVersionId: command.workflowVersionId,
      versionNumber: command.versionNumber,
      candidateProfileId: profile.id,
      ...this.contactFields(command, profile),
      isNewProfile: profile.isNew,
      rejectedIdentifiers,
    };
    const start: RunsStartCommand = {
      runId,
      workflowId: command.workflowId,
      workflowVersionId: command.workflowVersionId,
      versionNumber: command.versionNumber,
      workflowExternalId: command.workflowExternalId,
      candidateProfileId: profile.id,
      candidateProfileExternalId: profile.externalId,
      triggerSource: command.triggerSource,
      inputs: command.inputs ?? {},
      contact: { email: profile.email, phoneNumber: profile.phoneNumber },
    };
    // The claim is the record of a resolved item: it carries the item's messages.
    const outbox = [
      toOutboxEntry(
        'events',
        inCandidateOrder(createEnvelope(ContactResolvedEvent, resolved, this.origin(envelope)), profile.id, runId),
        dedupKey,
      ),
      toOutboxEntry('commands', createEnvelope(RunsStartCommand, start, this.origin(envelope)), dedupKey),
    ];
    const holder = await this.claim(organizationId, command.workflowVersionId, profile.id, runId, outbox);
    if (holder.runId === runId) {
      if (holder.created) {
        this.resolutionsRecorded.inc({ result: 'resolved' });
        await this.outbox.publish(outbox);
      } else {
        await this.outbox.republishOwn(holder.outbox, dedupKey);
      }
      return 'resolved';
    }
    const skipped: ContactResolutionSkippedData = {
      recordId: holder.runId,
      organizationId,
      workflowId: command.workflowId,
      workflowExternalId: command.workflowExternalId,
      candidateProfileId: profile.id,
      ...this.contactFields(command, profile),
      existingRunStatus: holderStatus(holder),
      rejectedIdentifiers,
    };
    return this.record(envelope, dedupKey, 'skipped', null, profile.id, [
      toOutboxEntry(
        'events',
        inCandidateOrder(
          createEnvelope(ContactResolutionSkippedEvent, skipped, this.origin(envelope)),
          profile.id,
          null,
        ),
        dedupKey,
      ),
    ]);
  }

  /**
   * The item could not be resolved (no usable identifier, or the retry budget is spent):
   * exactly one WORKFLOW_CONTACT_RESOLUTION_FAILED, with the raw contact values, the reason and
   * the identifiers that were rejected.
   */
  async recordFailure(
    envelope: MessageEnvelope<ContactsResolveCommand>,
    reason: ContactResolutionFailedData['reason'] = 'RETRIES_EXHAUSTED',
    rejectedIdentifiers: RejectedIdentifier[] = [],
  ): Promise<ResolutionResult> {
    const command = envelope.payload;
    const dedupKey = contactDedupKey(envelope.organizationId, command.requestId, command.contactIndex);
    const failed: ContactResolutionFailedData = {
      recordId: dedupKey,
      organizationId: envelope.organizationId,
      workflowId: command.workflowId,
      workflowExternalId: command.workflowExternalId,
      externalId: command.contact?.externalId ?? null,
      email: command.contact?.email ?? null,
      phoneNumber: command.contact?.phoneNumber ?? null,
      contactIndex: command.contactIndex,
      reason,
      rejectedIdentifiers,
    };
    return this.record(envelope, dedupKey, 'failed', null, command.candidateProfileId ?? null, [
      toOutboxEntry('events', createEnvelope(ContactResolutionFailedEvent, failed, this.origin(envelope)), dedupKey),
    ]);
  }

  /** A run ended: failed and cancelled runs free the candidate; completed runs keep the claim. */
  async settleClaim(
    organizationId: string,
    workflowVersionId: string,
    candidateProfileId: string,
    runId: string,
    completed: boolean,
  ): Promise<void> {
    const claimId = `${workflowVersionId}:${candidateProfileId}`;
    // Kept, not deleted: it records the item that started the run (see CLAIM_STATUSES).
    const status = completed ? 'COMPLETED' : 'ENDED';
    await this.claims.updateOne(organizationId, { _id: claimId, runId }, { $set: { status } }).exec();
  }

  /**
   * Reserves (version, candidate) for a run that did not come through resolution (a retry of a
   * failed run), until `reservedUntil`: the run's creation confirms it (confirmClaim). Acquired when
   * free, already this run's, still held by the failed run it replaces (whose end has not reached
   * us yet), or a reservation that lapsed; otherwise the holder is reported.
   */
  async acquireClaim(organizationId: string, request: ClaimsAcquireRequest): Promise<ClaimAnswer> {
    const claimId = `${request.workflowVersionId}:${request.candidateProfileId}`;
    const acquired: ClaimAnswer = { acquired: true, holderRunId: request.runId, holderStatus: 'RUNNING' };
    for (let attempt = 1; ; attempt += 1) {
      const reservation = {
        runId: request.runId,
        status: 'RESERVED' as const,
        claimedAt: new Date(),
        reservedUntil: new Date(Date.now() + (this.options.claimReservationMs ?? CLAIM_RESERVATION_MS)),
      };
      try {
        await this.claims.create({ _id: claimId, organizationId, ...reservation, outbox: [] });
        return acquired;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
      const holder = await this.claims.findOne(organizationId, { _id: claimId }).lean().exec();
      if (!holder) {
        // Released in between, or another organization's (ids are not guessable across them).
        if (attempt >= CLAIM_ATTEMPTS) throw new RpcError('NOT_FOUND', 'Candidate profile not found');
        continue;
      }
      if (holder.runId === request.runId) return acquired; // a repeated request
      const replaceable =
        (request.replacesRunId !== undefined && holder.runId === request.replacesRunId) || isFree(holder);
      if (!replaceable) return { acquired: false, holderRunId: holder.runId, holderStatus: holderStatus(holder) };
      // Moves only if the holder is still the one just read; the late release of a replaced run
      // (which names that run) then finds nothing to delete.
      const moved = await this.claims
        .updateOne(organizationId, { _id: claimId, runId: holder.runId, status: holder.status }, { $set: reservation })
        .exec();
      if (moved.modifiedCount === 1) return acquired;
    }
  }

  /** The retry run exists: its reservation holds for the run's lifetime, like any claim. */
  async confirmClaim(organizationId: string, ref: ClaimsConfirmCommand): Promise<void> {
    const claimId = `${ref.workflowVersionId}:${ref.candidateProfileId}`;
    const confirmed = await this.claims
      .updateOne(
        organizationId,
        { _id: claimId, runId: ref.runId, status: 'RESERVED' },
        { $set: { status: 'RUNNING' }, $unset: { reservedUntil: 1 } },
      )
      .exec();
    if (confirmed.matchedCount === 0) {
      const holder = await this.claims.findOne(organizationId, { _id: claimId }).lean().exec();
      // Confirmed already (a redelivery), or settled by the run's end: nothing to do. Otherwise the
      // reservation lapsed before the run was made and another run took the candidate.
      if (holder && holder.runId !== ref.runId)
        this.logger.warn(
          `claim ${claimId}: the reservation of run ${ref.runId} lapsed before its confirmation; run ${holder.runId} holds it`,
        );
    }
  }

  /** Gives a claim back, if the run still holds it (sent by gateways of the previous release). */
  async releaseClaim(organizationId: string, request: ClaimsReleaseRequest): Promise<void> {
    const claimId = `${request.workflowVersionId}:${request.candidateProfileId}`;
    await this.claims
      .deleteOne(organizationId, { _id: claimId, runId: request.runId, status: { $in: ['RUNNING', 'RESERVED'] } })
      .exec();
  }

  private contactFields(command: ContactsResolveCommand, profile: ResolvedProfile) {
    return {
      externalId: command.contact ? profile.externalId : null,
      email: profile.email,
      phoneNumber: profile.phoneNumber,
      contactIndex: command.contactIndex,
    };
  }

  /**
   * Claims (version, candidate) for this run, storing `outbox` with the claim; or returns the claim
   * that already holds it (`created` false: another run's, or this run's from an earlier attempt).
   */
  private async claim(
    organizationId: string,
    workflowVersionId: string,
    profileId: string,
    runId: string,
    outbox: OutboxEntry[],
  ): Promise<RunClaim & { created: boolean }> {
    const claimId = `${workflowVersionId}:${profileId}`;
    for (let attempt = 1; ; attempt += 1) {
      if (attempt > CLAIM_ATTEMPTS) throw new Error(`claim ${claimId} keeps changing, or is another organization's`);
      try {
        const claim = {
          _id: claimId,
          organizationId,
          runId,
          status: 'RUNNING' as const,
          claimedAt: new Date(),
          outbox,
        };
        await this.claims.create(claim);
        return { ...claim, created: true };
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
      const holder = await this.claims.findOne(organizationId, { _id: claimId }).lean().exec();
      if (holder && holder.runId !== runId && isFree(holder)) {
        // An ended run's claim, or a reservation no run confirmed: taken over if still as read.
        const claim = { organizationId, runId, status: 'RUNNING' as const, claimedAt: new Date(), outbox };
        const taken = await this.claims
          .updateOne(
            organizationId,
            { _id: claimId, runId: holder.runId, status: holder.status },
            { $set: claim, $unset: { reservedUntil: 1 } },
          )
          .exec();
        if (taken.modifiedCount === 1) return { _id: claimId, ...claim, created: true };
        continue;
      }
      if (holder) return { ...holder, created: false }; // our own claim on a redelivery, or another run's
      // released in between: try again
    }
  }

  /** Records a skipped or failed item once, with its event; a repeat publishes the first record's event. */
  private async record(
    envelope: MessageEnvelope<ContactsResolveCommand>,
    dedupKey: string,
    result: ResolutionResult,
    runId: string | null,
    candidateProfileId: string | null,
    outbox: OutboxEntry[],
  ): Promise<ResolutionResult> {
    try {
      await this.resolutions.create({
        _id: dedupKey,
        organizationId: envelope.organizationId,
        requestId: envelope.payload.requestId,
        contactIndex: envelope.payload.contactIndex,
        result,
        runId,
        candidateProfileId,
        outbox,
      });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      // Recorded by an earlier delivery: its event, not a second one.
      const stored = await this.resolutions.findOne(envelope.organizationId, { _id: dedupKey }).lean().exec();
      await this.outbox.republishOwn(stored?.outbox, dedupKey);
      return stored?.result ?? result;
    }
    this.resolutionsRecorded.inc({ result });
    await this.outbox.publish(outbox);
    return result;
  }

  private async knownProfile(organizationId: string, profileId: string): Promise<ResolvedProfile> {
    const profile = await this.profiles.findOne(organizationId, { _id: profileId }).lean().exec();
    return {
      id: profileId,
      externalId: profile?.externalId ?? null,
      email: profile?.email ?? null,
      phoneNumber: profile?.phoneNumber ?? null,
      isNew: false,
    };
  }

  /**
   * Matches externalId, then email, then phone; otherwise creates the profile (one per person).
   * `isNew` is true for the item whose key insert created the profile, however often it is run.
   *
   * Two items for one new person that carry different first identifiers (an email alone, an
   * externalId with the same email) each insert their own first key; the later one then finds the
   * shared identifier taken and hands its keys to the other's profile before making one of its
   * own, so the person still gets one profile. Identifiers a later contact brings that the
   * profile lacks are added to it.
   */
  private async findOrCreateProfile(
    organizationId: string,
    contact: NormalizedContact,
    itemKey: string,
  ): Promise<ResolvedProfile> {
    const keys = profileKeys(organizationId, contact);
    for (let attempt = 0; attempt < PROFILE_ATTEMPTS; attempt += 1) {
      const found = await this.keys.find(organizationId, keys);
      const byKey = new Map(found.map((key) => [key._id, key]));
      const matched = keys.map((key) => byKey.get(key)).find((key) => key !== undefined);
      if (matched) {
        // This item's own keys next to another profile's: it stopped before giving them up.
        const other = found.find((key) => key.profileId !== matched.profileId);
        if (matched.createdBy === itemKey && other) {
          await this.keys.repoint(organizationId, keys, matched.profileId, other.profileId, other.createdBy);
          continue;
        }
        // A profile is made only once all its keys are its own; a key without one may belong to an
        // item still finding out that the person has a profile already: look again shortly. Only
        // when that lasts (its item stopped in between) is the profile made here.
        const stored = await this.profiles.findOne(organizationId, { _id: matched.profileId }).lean().exec();
        if (!stored && attempt < PROFILE_ATTEMPTS - 1) {
          await delay(PROFILE_SETTLE_MS * (attempt + 1));
          continue;
        }
        const attached = await this.attachKeys(
          organizationId,
          keys.filter((key) => !byKey.has(key)),
          matched.profileId,
          matched.createdBy,
        );
        // The person's keys, when known without reading them again (none was someone else's).
        const owned = attached
          ? new Set(keys.filter((key) => (byKey.get(key)?.profileId ?? matched.profileId) === matched.profileId))
          : null;
        const profile = stored
          ? { externalId: stored.externalId, email: stored.email, phoneNumber: stored.phoneNumber }
          : await this.ensureProfile(matched.profileId, organizationId, contact);
        const learned = await this.learnIdentifiers(organizationId, matched.profileId, profile, contact, owned);
        return { id: matched.profileId, ...learned, isNew: matched.createdBy === itemKey };
      }
      const profileId = newId('cp');
      try {
        // The first key decides: whoever inserts it owns the person; the loser matches next round.
        await this.keys.create(organizationId, { _id: keys[0], profileId, createdBy: itemKey });
      } catch (error) {
        if (isDuplicateKeyError(error)) continue;
        throw error;
      }
      if (!(await this.attachKeys(organizationId, keys.slice(1), profileId, itemKey))) {
        // Another identifier of the person is taken: by a profile made meanwhile for the same person.
        const taken = (await this.keys.find(organizationId, keys.slice(1))).find((key) => key.profileId !== profileId);
        if (taken) {
          await this.keys.repoint(organizationId, keys, profileId, taken.profileId, taken.createdBy);
          continue;
        }
      }
      const profile = await this.ensureProfile(profileId, organizationId, contact, true);
      return { id: profileId, ...profile, isNew: true };
    }
    throw new Error('profile matching kept colliding with concurrent resolutions');
  }

  /**
   * Adds to the profile the identifiers this contact brings and the profile lacks, when they are
   * this person's (their key points at this profile; `owned`, or read when not known): one
   * conditional update, none when nothing is new. A value the profile has is never replaced.
   */
  private async learnIdentifiers(
    organizationId: string,
    profileId: string,
    profile: Pick<ResolvedProfile, 'externalId' | 'email' | 'phoneNumber'>,
    contact: NormalizedContact,
    ownedKeys: ReadonlySet<string> | null,
  ): Promise<Pick<ResolvedProfile, 'externalId' | 'email' | 'phoneNumber'>> {
    const fields = IDENTIFIER_FIELDS.filter((field) => profile[field] === null && contact[field] !== null);
    if (fields.length === 0) return profile;
    const owned =
      ownedKeys ??
      new Set(
        (await this.keys.find(organizationId, profileKeys(organizationId, contact)))
          .filter((key) => key.profileId === profileId)
          .map((key) => key._id),
      );
    const learned = fields.filter((field) => owned.has(profileKeyOf(organizationId, field, contact[field]!)));
    if (learned.length === 0) return profile;
    const set = Object.fromEntries(learned.map((field) => [field, contact[field]]));
    const unset = Object.fromEntries(learned.map((field) => [field, null]));
    const written = await this.profiles.updateOne(organizationId, { _id: profileId, ...unset }, { $set: set }).exec();
    if (written.matchedCount === 1) return { ...profile, ...set };
    // Another contact of the person filled some of them meanwhile: what is stored now.
    const stored = await this.profiles.findOne(organizationId, { _id: profileId }).lean().exec();
    return stored
      ? { externalId: stored.externalId, email: stored.email, phoneNumber: stored.phoneNumber }
      : { ...profile, ...set };
  }

  /**
   * The profile's identifiers; creates the profile document if it is missing (also repairs a key
   * written before a crash). `created`: the key was just inserted, so the profile is new (insert,
   * no read first); otherwise it is read, and inserted only if a crash left it out.
   */
  private async ensureProfile(
    profileId: string,
    organizationId: string,
    contact: NormalizedContact,
    created = false,
  ): Promise<Pick<ResolvedProfile, 'externalId' | 'email' | 'phoneNumber'>> {
    if (!created) {
      const profile = await this.profiles.findOne(organizationId, { _id: profileId }).lean().exec();
      if (profile) return { externalId: profile.externalId, email: profile.email, phoneNumber: profile.phoneNumber };
    }
    try {
      await this.profiles.create({ _id: profileId, organizationId, ...contact });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      const profile = await this.profiles.findOne(organizationId, { _id: profileId }).lean().exec();
      if (profile) return { externalId: profile.externalId, email: profile.email, phoneNumber: profile.phoneNumber };
    }
    return { externalId: contact.externalId, email: contact.email, phoneNumber: contact.phoneNumber };
  }

  /**
   * Points the person's other identifiers at the profile; one that is someone's already stays
   * theirs. False when one was.
   */
  private async attachKeys(
    organizationId: string,
    keys: string[],
    profileId: string,
    createdBy: string | null,
  ): Promise<boolean> {
    if (keys.length === 0) return true;
    try {
      await this.keys.insertMany(
        organizationId,
        keys.map((key) => ({ _id: key, profileId, createdBy })),
      );
      return true;
    } catch (error) {
      // Already someone's key: the first match stays authoritative.
      if (!isDuplicateKeyError(error)) throw error;
      return false;
    }
  }

  private origin(envelope: MessageEnvelope) {
    return { organizationId: envelope.organizationId, correlationId: envelope.correlationId, causationId: envelope.id };
  }
}

/** Held by nobody: its run ended (failed, cancelled), or a reservation no run confirmed in time. */
function isFree(claim: Pick<RunClaim, 'status' | 'reservedUntil'>, now = Date.now()): boolean {
  if (claim.status === 'ENDED') return true;
  return claim.status === 'RESERVED' && (!claim.reservedUntil || new Date(claim.reservedUntil).getTime() <= now);
}

/** The holder as the catalogue reports it: a reserved claim is a run being started. */
function holderStatus(claim: Pick<RunClaim, 'status'>): 'RUNNING' | 'COMPLETED' {
  return claim.status === 'COMPLETED' ? 'COMPLETED' : 'RUNNING';
}

/**
 * A contact event's place among its candidate's events: first of the run it started (the run's own
 * events follow it), or of no run (a skipped item).
 */
function inCandidateOrder<E extends MessageEnvelope>(envelope: E, candidateProfileId: string, runId: string | null): E {
  return { ...envelope, order: { candidateProfileId, runId, earlier: [] } };
}
