import { IsIn, IsObject, IsOptional, IsString, MinLength, ValidateIf } from 'class-validator';
import { WorkflowVersionRef } from './workflow-version-ref';

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

  @IsString()
  @MinLength(1)
  candidateProfileId!: string;

  @ValidateIf((_, value) => value !== null)
  @IsString()
  candidateProfileExternalId!: string | null;

  @IsIn(['API'])
  triggerSource!: 'API';

  @IsOptional()
  @IsObject()
  inputs?: Record<string, unknown>;

  /** Email / E.164 phone of the candidate, for outreach (set when the run came from an inline contact). */
  @IsOptional()
  @IsObject()
  contact?: { email: string | null; phoneNumber: string | null };
}
