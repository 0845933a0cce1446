import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema } from 'mongoose';
import type { OutboxEntry } from '@wfp/persistence';

@Schema({ collection: 'candidate_profiles', versionKey: false, minimize: false, timestamps: true })
export class CandidateProfile {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ required: true, index: true })
  organizationId!: string;

  @Prop({ type: String, default: null })
  externalId!: string | null;

  @Prop({ type: String, default: null })
  email!: string | null;

  @Prop({ type: String, default: null })
  phoneNumber!: string | null;

  @Prop({ type: String, default: null })
  firstName!: string | null;

  @Prop({ type: String, default: null })
  lastName!: string | null;

  createdAt!: Date;
}
export const CandidateProfileSchema = SchemaFactory.createForClass(CandidateProfile);

/**
 * `_id` = `<org>:<kind>:<value>` (externalId, email or phone) → the profile it identifies. The
 * unique `_id` is what makes two concurrent contacts for one person resolve to one profile
 * (no partial unique indexes needed, DESIGN.md section 3).
 */
@Schema({ collection: 'profile_keys', versionKey: false })
export class ProfileKey {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ required: true })
  profileId!: string;

  /**
   * Dedup key of the run-request item that created the profile. It makes `isNewProfile` a fact
   * about the item, so a redelivered or concurrently repeated item reports the same answer.
   */
  @Prop({ type: String, default: null })
  createdBy!: string | null;
}
export const ProfileKeySchema = SchemaFactory.createForClass(ProfileKey);

/**
 * RESERVED: held for a retry run about to be created, until `reservedUntil` (ClaimsAcquireRequest).
 * ENDED: its run failed or was cancelled; the candidate is free, and the document stays the record
 * of the item that made it, so a late redelivery of that item finds it instead of claiming anew.
 */
export const CLAIM_STATUSES = ['RUNNING', 'COMPLETED', 'RESERVED', 'ENDED'] as const;

/**
 * `_id` = `<workflowVersionId>:<candidateProfileId>`: at most one run per candidate and version
 * while it is RUNNING or COMPLETED, or RESERVED for a retry run about to be made. A failed or
 * cancelled run's claim is ENDED: free for the next run, which takes the document over. A claim made by
 * resolution is also the record of that item (its messages are in `outbox`).
 */
@Schema({ collection: 'run_claims', versionKey: false })
export class RunClaim {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ required: true })
  organizationId!: string;

  @Prop({ required: true })
  runId!: string;

  @Prop({ type: String, enum: CLAIM_STATUSES, required: true })
  status!: (typeof CLAIM_STATUSES)[number];

  @Prop({ required: true })
  claimedAt!: Date;

  /** A RESERVED claim lapses then unless its run's creation confirmed it (absent otherwise). */
  @Prop({ type: Date })
  reservedUntil?: Date | null;

  /** For the claim of a resolved item: its CONTACT_RESOLVED event and `runs.start`. */
  @Prop({ type: [MongooseSchema.Types.Mixed], default: [] })
  outbox!: OutboxEntry[];
}
export const RunClaimSchema = SchemaFactory.createForClass(RunClaim);

/**
 * The result of a skipped or failed run-request item, written once together with its event
 * (a resolved item's record is its claim). `_id` is the item's stable dedup key, so a redelivered
 * command never emits a second event.
 */
@Schema({ collection: 'contact_resolutions', versionKey: false, minimize: false, timestamps: true })
export class ContactResolution {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ required: true })
  organizationId!: string;

  @Prop({ required: true })
  requestId!: string;

  @Prop({ required: true })
  contactIndex!: number;

  @Prop({ type: String, enum: ['resolved', 'skipped', 'failed'], required: true })
  result!: 'resolved' | 'skipped' | 'failed';

  @Prop({ type: String, default: null })
  runId!: string | null;

  @Prop({ type: String, default: null })
  candidateProfileId!: string | null;

  @Prop({ type: [MongooseSchema.Types.Mixed], default: [] })
  outbox!: OutboxEntry[];

  updatedAt!: Date;
}
export const ContactResolutionSchema = SchemaFactory.createForClass(ContactResolution);
ContactResolutionSchema.index({ organizationId: 1, requestId: 1 });
