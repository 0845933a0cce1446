import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import {
  RUN_ERROR_CLASSES,
  RUN_ERROR_CODES,
  RUN_OUTCOMES,
  RUN_STATUSES,
  RUN_STATUS_FILTERS,
  type CallResult,
  type NodeOutcome,
  type RunContext,
  type RunErrorClass,
  type RunErrorCode,
  type RunOutcome,
  type RunPage,
  type RunStatus,
  type RunView,
} from '@wfp/contracts';
import { PageQueryDto } from '@wfp/http-kit';

export class ListRunsQueryDto extends PageQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @MaxLength(128)
  @IsString()
  workflowId?: string;

  @ApiPropertyOptional({ enum: RUN_STATUS_FILTERS })
  @IsOptional()
  @IsIn(RUN_STATUS_FILTERS, { message: `status must be one of ${RUN_STATUS_FILTERS.join(', ')}` })
  status?: (typeof RUN_STATUS_FILTERS)[number];
}

export class CancelRunDto {
  @ApiPropertyOptional({ maxLength: 500, example: 'Candidate withdrew via ATS' })
  @IsOptional()
  @MaxLength(500)
  @IsString()
  reason?: string;
}

/** The processor's RunView, documented: `implements` keeps the two from drifting apart. */
export class RunDto implements RunView {
  @ApiProperty({ example: 'run_5d0c…', description: 'The run id (as every resource names its id)' })
  id!: string;

  @ApiProperty({ example: 'run_5d0c…', description: 'The same as `id`' })
  runId!: string;

  @ApiProperty({ enum: RUN_STATUSES })
  status!: RunStatus;

  @ApiProperty({ enum: RUN_OUTCOMES, nullable: true })
  outcome!: RunOutcome | null;

  @ApiProperty()
  organizationId!: string;

  @ApiProperty()
  workflowId!: string;

  @ApiProperty({ type: String, nullable: true, description: 'The workflow’s externalId, if it has one' })
  workflowExternalId!: string | null;

  @ApiProperty()
  workflowVersionId!: string;

  @ApiProperty()
  versionNumber!: number;

  @ApiProperty({ type: String, nullable: true, description: 'null for a called workflow' })
  candidateProfileId!: string | null;

  @ApiProperty({ type: String, nullable: true })
  candidateProfileExternalId!: string | null;

  @ApiProperty({ enum: ['API', 'CALL'] })
  triggerSource!: string;

  @ApiProperty({ type: String, nullable: true, description: 'The node to run next or the node waited on' })
  currentNodeId!: string | null;

  @ApiProperty({
    type: 'object',
    nullable: true,
    additionalProperties: true,
    description: '{ nodeId, conversationId, timesOutAt } while an outreach node waits',
  })
  waitingOn!: { nodeId: string; conversationId: string; timesOutAt: string | null } | null;

  @ApiProperty({ format: 'date-time' })
  startedAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  completedAt!: string | null;

  @ApiProperty({ enum: RUN_ERROR_CODES, nullable: true })
  errorCode!: RunErrorCode | null;

  @ApiProperty({ enum: RUN_ERROR_CLASSES, nullable: true })
  errorClass!: RunErrorClass | null;

  @ApiProperty({ type: Number, nullable: true, description: 'The HTTP status of the webhook call that failed the run' })
  failedStatusCode!: number | null;

  @ApiProperty({ type: String, nullable: true })
  lastFailedNodeId!: string | null;

  @ApiProperty({ type: String, nullable: true })
  cancellationReason!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'The failed run this run retries' })
  retryOfRunId!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'The run that retries this failed run' })
  retriedByRunId!: string | null;

  @ApiProperty({ description: 'Whether the run reached an output node' })
  outputReached!: boolean;

  @ApiProperty({ description: 'The output node value, for callable workflows', nullable: true })
  output!: unknown;

  @ApiProperty({
    type: 'object',
    nullable: true,
    additionalProperties: true,
    description: 'For a called workflow that has ended: { status, output?, error? } as the call API answers it',
  })
  callResult!: CallResult | null;

  @ApiProperty({ type: 'array', items: { type: 'object' }, description: 'NodeOutcome records in order' })
  nodes!: NodeOutcome[];

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'initialize + traverse.order|steps|stepsInfo',
  })
  context!: RunContext;
}

export class RunPageDto implements RunPage {
  @ApiProperty({ type: [RunDto] })
  data!: RunDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}

export class CancellingRunDto {
  @ApiProperty()
  runId!: string;

  @ApiProperty({ example: 'CANCELLING' })
  status!: string;
}

export class RetriedRunDto {
  @ApiProperty({ description: 'The new run (retryOfRunId = the failed run); the same for every retry of that run' })
  runId!: string;
}
