import 'reflect-metadata'; // class-transformer's @Type reads design-time metadata
import { Type } from 'class-transformer';
import { IsIn, IsObject, IsOptional, IsString, MinLength, ValidateNested } from 'class-validator';
import { IsNullable } from '../message-schema';
import { WorkflowVersionRef } from './workflow-version-ref';

export class RunCallDto {
  /** The organization's endpoint registered for `inputs.webhookUrl`, if the caller gave one. */
  @IsNullable()
  @IsString()
  webhookEndpointId!: string | null;

  /**
   * Where the result goes when it is not that endpoint's URL: the caller's `inputs.webhookUrl`,
   * sent through the organization's call-results sender. Absent in commands made before it existed.
   */
  @IsOptional()
  @IsString()
  webhookUrl?: string | null;

  @IsNullable()
  @IsObject()
  responseMeta!: Record<string, unknown> | null;
}

/**
 * Start one run of a published workflow version for one candidate (consumed by workflow-processor).
 * The processor holds its own copy of every published version (VersionsRegisterCommand), so the
 * run is pinned to an immutable graph without a call back to the gateway.
 */
export class RunsStartCommand extends WorkflowVersionRef {
  static readonly type = 'runs.start';
  static readonly schemaVersion = 1;

  @IsString()
  @MinLength(1)
  runId!: string;

  /** null for a called workflow (`POST /v1/workflows/:id/call`): it runs on inputs alone. */
  @IsNullable()
  @IsString()
  @MinLength(1)
  candidateProfileId!: string | null;

  @IsNullable()
  @IsString()
  candidateProfileExternalId!: string | null;

  @IsIn(['API', 'CALL'])
  triggerSource!: 'API' | 'CALL';

  @IsOptional()
  @IsObject()
  inputs?: Record<string, unknown>;

  /** Email / E.164 phone of the candidate, for outreach (set when the run came from an inline contact). */
  @IsOptional()
  @IsObject()
  contact?: { email: string | null; phoneNumber: string | null };

  /** Set for a called workflow: its result is emitted as WorkflowCallResult when the run ends. */
  @IsOptional()
  @ValidateNested()
  @Type(() => RunCallDto)
  call?: RunCallDto;
}
