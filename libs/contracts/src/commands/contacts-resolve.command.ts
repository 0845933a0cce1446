import 'reflect-metadata'; // class-transformer's @Type reads design-time metadata
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { RequiredUnless } from '../message-schema';
import { WorkflowVersionRef } from './workflow-version-ref';

/** One inline contact of `POST /v1/workflows/:id/runs`, as the caller sent it (shape-checked). */
export class InlineContact {
  @IsOptional()
  @IsString()
  @MaxLength(256)
  externalId?: string;

  @IsOptional()
  @IsString()
  @MaxLength(320)
  email?: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  phoneNumber?: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  firstName?: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  lastName?: string;
}

/**
 * Resolve one item of a run request to a candidate profile, claim the (version, candidate) pair
 * and start the run (consumed by contact-resolver). An item is either an inline `contact` or a
 * known `candidateProfileId`.
 */
export class ContactsResolveCommand extends WorkflowVersionRef {
  static readonly type = 'contacts.resolve';
  static readonly schemaVersion = 1;

  @IsString()
  @MinLength(1)
  requestId!: string;

  /** Zero-based index of the item within the request (contacts first, then candidateProfileIds). */
  @IsInt()
  @Min(0)
  contactIndex!: number;

  @IsIn(['API'])
  triggerSource!: 'API';

  @IsOptional()
  @IsObject()
  inputs?: Record<string, unknown>;

  @RequiredUnless<ContactsResolveCommand>('candidateProfileId')
  @ValidateNested()
  @Type(() => InlineContact)
  contact?: InlineContact;

  @RequiredUnless<ContactsResolveCommand>('contact')
  @IsString()
  @MinLength(1)
  candidateProfileId?: string;
}
