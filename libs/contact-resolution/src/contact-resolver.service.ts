import { Inject, Injectable, Optional } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { CountryCode } from 'libphonenumber-js';
import type { Model } from 'mongoose';
import type { Counter } from 'prom-client';
import { MetricsRegistry } from '@wfp/observability';
import {
  contactDedupKey,
  createEnvelope,
  newId,
  RpcError,
  runIdFor,
  RunsStartCommand,
  workflowEvent,
  WorkflowEventType,
  type ContactResolutionFailedData,
  type ContactResolutionSkippedData,
  type ContactResolvedData,
  type ClaimAnswer,
  type ClaimsAcquireRequest,
  type ClaimsReleaseRequest,
  type ContactsResolveCommand,
  type MessageEnvelope,
} from '@wfp/contracts';
import {
  DocumentWriteLock,
  findOwnedById,
  isDuplicateKeyError,
  OutboxRelayService,
  toOutboxEntry,
  type OutboxEntry,
} from '@wfp/persistence';
import { normalizeContact, profileKeys, type NormalizedContact } from './normalize-contact';
import { CandidateProfile, ContactResolution, ProfileKey, RunClaim } from './schemas';

export interface ResolverOptions {
  /** Region used to read phone numbers written without a country code (ISO 3166-1 alpha-2). */
  defaultRegion: CountryCode;
}

export const RESOLVER_OPTIONS = Symbol('RESOLVER_OPTIONS');

export type ResolutionResult = ContactResolution['result'];

interface ResolvedProfile {
  id: string;
  externalId: string | null;
  email: string | null;
  phoneNumber: string | null;
  isNew: boolean;
}

/** Attempts at finding-or-creating a profile when concurrent resolutions keep colliding. */
const PROFILE_ATTEMPTS = 5;

/**
 * Turns one run-request item into a run (DESIGN.md section 8): normalize, match a profile by
 * externalId → email → phone within the organization (or create one), claim the
 * (version, candidate) pair, and record the result once with its event and `runs.start`.
 */
@Injectable()
export class ContactResolverService {
  constructor(
    @InjectModel(CandidateProfile.name) private readonly profiles: Model<CandidateProfile>,
    @InjectModel(ProfileKey.name) private readonly keys: Model<ProfileKey>,
    @InjectModel(RunClaim.name) private readonly claims: Model<RunClaim>,
    @InjectModel(ContactResolution.name) private readonly resolutions: Model<ContactResolution>,
    private readonly outbox: OutboxRelayService,
    private readonly writeLock: DocumentWriteLock,
    @Inject(RESOLVER_OPTIONS) private readonly options: ResolverOptions,
    @Optional() registry: MetricsRegistry = new MetricsRegistry(),
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
    const organizationId = envelope.organizationId;
    const dedupKey = contactDedupKey(organizationId, command.requestId, command.contactIndex);
    const done = await this.resolutions.findById(dedupKey, { result: 1 }).lean().exec();
    if (done) {
      await this.outbox.relay(this.resolutions.collection.collectionName, dedupKey);
      return done.result;
    }

    let profile: ResolvedProfile;
    if (command.candidateProfileId) {
      profile = await this.knownProfile(organizationId, command.candidateProfileId);
    } else {
      const normalized = normalizeContact(command.contact ?? {}, this.options.defaultRegion);
      if (!normalized.ok) return this.recordFailure(envelope);
      profile = await this.findOrCreateProfile(organizationId, normalized.contact, dedupKey);
    }

    const runId = runIdFor(command.requestId, command.contactIndex);
    const holder = await this.claim(organizationId, command.workflowVersionId, profile.id, runId);
    if (holder.runId !== runId) {
      const skipped: ContactResolutionSkippedData = {
        recordId: holder.runId,
        organizationId,
        workflowId: command.workflowId,
        workflowExternalId: command.workflowExternalId,
        candidateProfileId: profile.id,
        ...this.contactFields(command, profile),
        existingRunStatus: holder.status,
      };
      return this.record(envelope, dedupKey, 'skipped', null, profile.id, [
        toOutboxEntry(
          'events',
          createEnvelope(workflowEvent(WorkflowEventType.ContactResolutionSkipped), skipped, this.origin(envelope)),
        ),
      ]);
    }

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
    return this.record(envelope, dedupKey, 'resolved', runId, profile.id, [
      toOutboxEntry(
        'events',
        createEnvelope(workflowEvent(WorkflowEventType.ContactResolved), resolved, this.origin(envelope)),
      ),
      toOutboxEntry('commands', createEnvelope(RunsStartCommand, start, this.origin(envelope))),
    ]);
  }

  /**
   * The item could not be resolved (no usable identifier, or the retry budget is spent):
   * exactly one WORKFLOW_CONTACT_RESOLUTION_FAILED, with the raw contact values.
   */
  async recordFailure(envelope: MessageEnvelope<ContactsResolveCommand>): Promise<ResolutionResult> {
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
    };
    return this.record(envelope, dedupKey, 'failed', null, command.candidateProfileId ?? null, [
      toOutboxEntry(
        'events',
        createEnvelope(workflowEvent(WorkflowEventType.ContactResolutionFailed), failed, this.origin(envelope)),
      ),
    ]);
  }

  /** A run ended: failed and cancelled runs free the candidate; completed runs keep the claim. */
  async settleClaim(
    workflowVersionId: string,
    candidateProfileId: string,
    runId: string,
    completed: boolean,
  ): Promise<void> {
    const claimId = `${workflowVersionId}:${candidateProfileId}`;
    await this.writeLock.run(this.claims.collection.collectionName, claimId, async () => {
      if (completed) await this.claims.updateOne({ _id: claimId, runId }, { $set: { status: 'COMPLETED' } }).exec();
      else await this.claims.deleteOne({ _id: claimId, runId }).exec();
    });
  }

  /**
   * Holds (version, candidate) for a run that did not come through resolution (a retry of a failed
   * run). Acquired when free or already held by that run; otherwise the holder is reported.
   */
  async acquireClaim(organizationId: string, request: ClaimsAcquireRequest): Promise<ClaimAnswer> {
    const claimId = `${request.workflowVersionId}:${request.candidateProfileId}`;
    let holder = await this.claim(organizationId, request.workflowVersionId, request.candidateProfileId, request.runId);
    if (holder.organizationId !== organizationId) throw new RpcError('NOT_FOUND', 'Candidate profile not found');
    if (request.replacesRunId && holder.runId === request.replacesRunId) {
      // The failed run's end has not reached us yet: its claim passes to the retry, and the late
      // release (which names the failed run) then finds nothing to delete.
      await this.writeLock.run(this.claims.collection.collectionName, claimId, () =>
        this.claims
          .updateOne(
            { _id: claimId, runId: request.replacesRunId },
            { $set: { runId: request.runId, status: 'RUNNING', claimedAt: new Date() } },
          )
          .exec(),
      );
      holder = (await this.claims.findById(claimId).lean().exec()) ?? holder;
    }
    return { acquired: holder.runId === request.runId, holderRunId: holder.runId, holderStatus: holder.status };
  }

  /** Gives a claim back, if the run still holds it (a retry that could not be started). */
  async releaseClaim(organizationId: string, request: ClaimsReleaseRequest): Promise<void> {
    const claimId = `${request.workflowVersionId}:${request.candidateProfileId}`;
    await this.writeLock.run(this.claims.collection.collectionName, claimId, () =>
      this.claims.deleteOne({ _id: claimId, organizationId, runId: request.runId, status: 'RUNNING' }).exec(),
    );
  }

  private contactFields(command: ContactsResolveCommand, profile: ResolvedProfile) {
    return {
      externalId: command.contact ? profile.externalId : null,
      email: profile.email,
      phoneNumber: profile.phoneNumber,
      contactIndex: command.contactIndex,
    };
  }

  /** Claims (version, candidate) for this run, or returns the claim that already holds it. */
  private async claim(
    organizationId: string,
    workflowVersionId: string,
    profileId: string,
    runId: string,
  ): Promise<RunClaim> {
    const claimId = `${workflowVersionId}:${profileId}`;
    for (;;) {
      try {
        return (
          await this.claims.create({ _id: claimId, organizationId, runId, status: 'RUNNING', claimedAt: new Date() })
        ).toObject();
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
      const holder = await this.claims.findById(claimId).lean().exec();
      if (holder) return holder; // our own claim on a redelivery, or another run's
      // released in between: try again
    }
  }

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
      this.resolutionsRecorded.inc({ result });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      // recorded by an earlier delivery: its event, not a second one
    }
    await this.outbox.relay(this.resolutions.collection.collectionName, dedupKey);
    const stored = await this.resolutions.findById(dedupKey, { result: 1 }).lean().exec();
    return stored?.result ?? result;
  }

  private async knownProfile(organizationId: string, profileId: string): Promise<ResolvedProfile> {
    const profile = await findOwnedById(this.profiles, profileId, organizationId);
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
   */
  private async findOrCreateProfile(
    organizationId: string,
    contact: NormalizedContact,
    itemKey: string,
  ): Promise<ResolvedProfile> {
    const keys = profileKeys(organizationId, contact);
    for (let attempt = 0; attempt < PROFILE_ATTEMPTS; attempt += 1) {
      // One lookup per key by _id: FerretDB v1 scans the whole collection for `_id: { $in }`.
      const found = await Promise.all(keys.map((key) => this.keys.findById(key).lean().exec()));
      const byKey = new Map(found.filter((key) => key !== null).map((key) => [key._id, key]));
      const matched = keys.map((key) => byKey.get(key)).find((key) => key !== undefined);
      if (matched) {
        await this.attachKeys(
          keys.filter((key) => !byKey.has(key)),
          matched.profileId,
          matched.createdBy,
        );
        const profile = await this.ensureProfile(matched.profileId, organizationId, contact);
        return {
          id: matched.profileId,
          externalId: profile.externalId,
          email: profile.email,
          phoneNumber: profile.phoneNumber,
          isNew: matched.createdBy === itemKey,
        };
      }
      const profileId = newId('cp');
      try {
        // The first key decides: whoever inserts it owns the person; the loser matches next round.
        await this.keys.create({ _id: keys[0], profileId, createdBy: itemKey });
      } catch (error) {
        if (isDuplicateKeyError(error)) continue;
        throw error;
      }
      const profile = await this.ensureProfile(profileId, organizationId, contact);
      await this.attachKeys(keys.slice(1), profileId, itemKey);
      return {
        id: profileId,
        externalId: profile.externalId,
        email: profile.email,
        phoneNumber: profile.phoneNumber,
        isNew: true,
      };
    }
    throw new Error('profile matching kept colliding with concurrent resolutions');
  }

  /** Creates the profile document if it is missing (also repairs a key written before a crash). */
  private async ensureProfile(profileId: string, organizationId: string, contact: NormalizedContact) {
    await this.profiles
      .updateOne({ _id: profileId }, { $setOnInsert: { organizationId, ...contact } }, { upsert: true })
      .exec();
    const profile = await this.profiles.findById(profileId).lean().exec();
    return {
      externalId: profile?.externalId ?? contact.externalId,
      email: profile?.email ?? contact.email,
      phoneNumber: profile?.phoneNumber ?? contact.phoneNumber,
    };
  }

  private async attachKeys(keys: string[], profileId: string, createdBy: string | null): Promise<void> {
    for (const key of keys) {
      try {
        await this.keys.create({ _id: key, profileId, createdBy });
      } catch (error) {
        // Already someone's key: the first match stays authoritative.
        if (!isDuplicateKeyError(error)) throw error;
      }
    }
  }

  private origin(envelope: MessageEnvelope) {
    return { organizationId: envelope.organizationId, correlationId: envelope.correlationId, causationId: envelope.id };
  }
}
