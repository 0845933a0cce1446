import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { RUN_STATUS_FILTERS } from '@wfp/contracts';
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

export class RunDto {
  @ApiProperty({ example: 'run_5d0c…', description: 'The run id (as every resource names its id)' })
  id!: string;

  @ApiProperty({ example: 'run_5d0c…', description: 'The same as `id`' })
  runId!: string;

  @ApiProperty({ enum: ['RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'] })
  status!: string;

  @ApiProperty({ enum: ['completed', 'opted_out', 'delivery_failed', 'cancelled', 'failed'], nullable: true })
  outcome!: string | null;

  @ApiProperty()
  workflowId!: string;

  @ApiProperty()
  workflowVersionId!: string;

  @ApiProperty()
  versionNumber!: number;

  @ApiProperty({ type: String, nullable: true, description: 'null for a called workflow' })
  candidateProfileId!: string | null;

  @ApiProperty({ enum: ['API', 'CALL'] })
  triggerSource!: string;

  @ApiProperty({ type: String, nullable: true, description: 'The node to run next or the node waited on' })
  currentNodeId!: string | null;

  @ApiProperty({ type: 'object', nullable: true, additionalProperties: true })
  waitingOn!: Record<string, unknown> | null;

  @ApiProperty({ format: 'date-time' })
  startedAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  completedAt!: string | null;

  @ApiProperty({ type: String, nullable: true })
  errorCode!: string | null;

  @ApiProperty({ type: String, nullable: true })
  lastFailedNodeId!: string | null;

  @ApiProperty({ type: String, nullable: true })
  cancellationReason!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'The failed run this run retries' })
  retryOfRunId!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'The run that retries this failed run' })
  retriedByRunId!: string | null;

  @ApiProperty({ description: 'The output node value, for callable workflows', nullable: true })
  output!: unknown;

  @ApiProperty({
    type: 'object',
    nullable: true,
    additionalProperties: true,
    description: 'For a called workflow that has ended: { status, output?, error? } as the call API answers it',
  })
  callResult!: Record<string, unknown> | null;

  @ApiProperty({ type: 'array', items: { type: 'object' }, description: 'NodeOutcome records in order' })
  nodes!: unknown[];

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'initialize + traverse.order|steps|stepsInfo',
  })
  context!: Record<string, unknown>;
}

export class RunPageDto {
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
