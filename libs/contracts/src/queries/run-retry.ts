import { IsOptional, IsString, MinLength } from 'class-validator';

/**
 * Retrying a failed run (DESIGN.md section 4, `POST /v1/workflow-runs/:runId/retry`), the one
 * request the gateway makes: the processor reserves the candidate's claim for the retry run
 * (ClaimsAcquireRequest to contact-resolver), creates the run, and that same write confirms the
 * reservation (ClaimsConfirmCommand). Request/reply, so the caller learns at once why a retry is
 * refused; a reservation the run never confirms lapses by itself.
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

/**
 * Reserves (version, candidate) for a run that did not come through resolution (a retry), for a
 * limited time: the run's creation confirms it (ClaimsConfirmCommand); a reservation nobody
 * confirms (the processor stopped in between) lapses, so a claim never outlives a run that was
 * never made.
 */
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

/**
 * Makes a reservation a claim for the run's lifetime: published with the write that creates the
 * run, so the claim holds exactly when the run exists.
 */
export class ClaimsConfirmCommand extends ClaimRef {
  static readonly type = 'claims.confirm';
  static readonly schemaVersion = 1;
}

/**
 * Gives the claim back if the given run still holds it. Gateways of the previous release sent it
 * when a retry could not be started; kept for them (a reservation now lapses by itself).
 */
export class ClaimsReleaseRequest extends ClaimRef {
  static readonly type = 'claims.release';
  static readonly schemaVersion = 1;
}
