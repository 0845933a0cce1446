import { IsOptional, IsString, MinLength } from 'class-validator';

/**
 * Retrying a failed run (DESIGN.md section 4, `POST /v1/workflow-runs/:runId/retry`): the gateway
 * moves the candidate's claim to the retry run (contact-resolver), then has the processor create
 * it. Both are request/reply so the caller learns at once why a retry is refused.
 */
export class RunsRetryRequest {
  static readonly type = 'runs.retry';
  static readonly schemaVersion = 1;

  /** The FAILED run. */
  @MinLength(1)
  @IsString()
  runId!: string;

  /** The retry's id (retryRunIdFor(runId)): the same for every attempt, so there is only ever one. */
  @MinLength(1)
  @IsString()
  retryRunId!: string;
}

export interface RunRetryAnswer {
  runId: string;
  /** false when the retry run existed already (a repeated or concurrent retry). */
  created: boolean;
}

/** A claim on (version, candidate) and the run it is for: what both claim requests name. */
export abstract class ClaimRef {
  @MinLength(1)
  @IsString()
  workflowVersionId!: string;

  @MinLength(1)
  @IsString()
  candidateProfileId!: string;

  @MinLength(1)
  @IsString()
  runId!: string;
}

/** Holds (version, candidate) for a run, as contact resolution does for a new run. */
export class ClaimsAcquireRequest extends ClaimRef {
  static readonly type = 'claims.acquire';
  static readonly schemaVersion = 1;

  /** The failed run being retried: its claim, if the resolver has not released it yet, passes on. */
  @IsOptional()
  @MinLength(1)
  @IsString()
  replacesRunId?: string;
}

export interface ClaimAnswer {
  /** true when the claim is (now) held by the requesting run. */
  acquired: boolean;
  holderRunId: string;
  holderStatus: 'RUNNING' | 'COMPLETED';
}

/** Gives the claim back if the given run still holds it (a retry that could not be started). */
export class ClaimsReleaseRequest extends ClaimRef {
  static readonly type = 'claims.release';
  static readonly schemaVersion = 1;
}
