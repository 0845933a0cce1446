import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDefined,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { CALL_STATUSES } from '@wfp/contracts';
import { PageQueryDto } from '@wfp/http-kit';
import { MAX_RUN_REQUEST_ITEMS } from '@wfp/workflow-catalog';
import { IsStorableJson } from '@wfp/workflow-graph';
import { WorkflowDefinitionDto } from './definition.dto';

export class CreateWorkflowDto {
  @ApiProperty({ example: 'RGN screening', maxLength: 200 })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiPropertyOptional({ example: 'cedar-rgn-screening', description: 'Your own identifier, echoed in events' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9._:-]{1,128}$/, { message: 'externalId must be 1-128 letters, digits or ._:-' })
  externalId?: string;

  @ApiPropertyOptional({ maxLength: 4096 })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  description?: string;

  @ApiProperty({ type: WorkflowDefinitionDto })
  @IsDefined()
  @ValidateNested()
  @Type(() => WorkflowDefinitionDto)
  definition!: WorkflowDefinitionDto;
}

export class VersionSummaryDto {
  @ApiProperty({ example: 'wfv_6a1f…' })
  workflowVersionId!: string;

  @ApiProperty({ example: 1 })
  versionNumber!: number;

  @ApiProperty({ format: 'date-time' })
  publishedAt!: string;
}

export class WorkflowDto {
  @ApiProperty({ example: 'wf_3c9e…' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ type: String, nullable: true })
  externalId!: string | null;

  @ApiProperty({ type: String, nullable: true })
  description!: string | null;

  @ApiProperty({ enum: ['ACTIVE', 'ARCHIVED'] })
  status!: 'ACTIVE' | 'ARCHIVED';

  @ApiProperty({ type: WorkflowDefinitionDto, description: 'The current draft' })
  definition!: Record<string, unknown>;

  @ApiProperty({ type: VersionSummaryDto, nullable: true })
  latestVersion!: VersionSummaryDto | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}

export class InlineContactDto {
  @ApiPropertyOptional({ example: 'ats_42', maxLength: 256 })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  externalId?: string;

  @ApiPropertyOptional({ example: 'ada@example.com', maxLength: 320 })
  @IsOptional()
  @IsString()
  @MaxLength(320)
  email?: string;

  @ApiPropertyOptional({ example: '+447911123456', description: 'Any format; stored as E.164', maxLength: 64 })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  phoneNumber?: string;

  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  firstName?: string;

  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  lastName?: string;
}

export class StartRunsDto {
  @ApiProperty({ enum: ['API'] })
  @IsIn(['API'], { message: 'triggerSource must be API' })
  triggerSource!: 'API';

  @ApiPropertyOptional({ type: [InlineContactDto], maxItems: MAX_RUN_REQUEST_ITEMS })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_RUN_REQUEST_ITEMS)
  @ValidateNested({ each: true })
  @Type(() => InlineContactDto)
  contacts?: InlineContactDto[];

  @ApiPropertyOptional({ type: [String], maxItems: MAX_RUN_REQUEST_ITEMS, example: ['cp_abc123'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_RUN_REQUEST_ITEMS)
  @IsString({ each: true })
  @Length(1, 128, { each: true })
  candidateProfileIds?: string[];

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  @IsStorableJson()
  inputs?: Record<string, unknown>;
}

export class AcceptedRunsDto {
  @ApiProperty({ example: 'req_9b2d…' })
  requestId!: string;

  @ApiProperty({ example: 1 })
  accepted!: number;

  @ApiProperty({
    type: [String],
    description:
      'The id each item’s run gets when it starts (contacts first, then candidateProfileIds); an item that is skipped or fails has no run',
  })
  runIds!: string[];
}

export class ReplaceDraftDto {
  @ApiProperty({ type: WorkflowDefinitionDto })
  @IsDefined()
  @ValidateNested()
  @Type(() => WorkflowDefinitionDto)
  definition!: WorkflowDefinitionDto;
}

export class ListWorkflowsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['ACTIVE', 'ARCHIVED'] })
  @IsOptional()
  @IsIn(['ACTIVE', 'ARCHIVED'], { message: 'status must be ACTIVE or ARCHIVED' })
  status?: 'ACTIVE' | 'ARCHIVED';
}

export class WorkflowPageDto {
  @ApiProperty({ type: [WorkflowDto] })
  data!: WorkflowDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last' })
  nextCursor!: string | null;
}

export class VersionDto extends VersionSummaryDto {
  @ApiProperty({ example: 'key_2b7c…', description: 'The API key that published it' })
  publishedByUserId!: string;

  @ApiProperty({ type: WorkflowDefinitionDto, description: 'The immutable published definition' })
  definition!: Record<string, unknown>;
}

export class VersionPageDto {
  @ApiProperty({ type: [VersionDto] })
  data!: VersionDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}

export class CallWorkflowDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'The workflow’s declared inputs; `webhookUrl` (any http(s) URL the address policy allows) also sends the result there, signed with the secret of your endpoint registered with that URL, else with your call-result secret (POST /v1/workflow-calls/signing-secret)',
    example: { conversationId: 'conv_1', webhookUrl: 'https://hooks.example/results' },
  })
  @IsObject({ message: 'inputs must be an object' })
  @IsStorableJson()
  inputs!: Record<string, unknown>;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Echoed unchanged with the result delivered to webhookUrl',
  })
  @IsOptional()
  @IsObject({ message: 'responseMeta must be an object' })
  @IsStorableJson()
  responseMeta?: Record<string, unknown>;
}

export class CallWorkflowQueryDto {
  @ApiPropertyOptional({
    minimum: 0,
    description: 'Seconds to wait for the run to end (at most CALL_MAX_WAIT_SECONDS); 0 or absent answers 202 at once',
  })
  @IsOptional()
  @Type(() => Number)
  @Min(0, { message: 'wait must be between 0 and the configured maximum' })
  @IsInt({ message: 'wait must be a whole number of seconds' })
  wait?: number;
}

export class CallErrorDto {
  @ApiProperty({ example: 'EXECUTOR_FAILED', description: 'The run’s errorCode, or CANCELLED' })
  code!: string;

  @ApiProperty({ type: String, nullable: true, example: 'send-email' })
  nodeId!: string | null;

  @ApiProperty({ type: Number, nullable: true, example: 400 })
  statusCode!: number | null;
}

export class CallResultDto {
  @ApiProperty({ example: 'run_5f0c…' })
  runId!: string;

  @ApiProperty({ enum: CALL_STATUSES })
  status!: (typeof CALL_STATUSES)[number];

  @ApiPropertyOptional({ description: 'The rendered value of the output node (output_reached)' })
  output?: unknown;

  @ApiPropertyOptional({ type: CallErrorDto })
  error?: CallErrorDto;
}

export class CallAcceptedDto {
  @ApiProperty({ example: 'run_5f0c…', description: 'Read the result later at GET /v1/workflow-runs/:runId' })
  runId!: string;
}
