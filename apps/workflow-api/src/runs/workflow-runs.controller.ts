import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyAuth, Idempotent, Principal, type ApiPrincipal } from '@wfp/api-access';
import { ApiErrorResponses, CorrelationId, DEFAULT_PAGE_SIZE } from '@wfp/http-kit';
import { WorkflowRunsService } from '@wfp/workflow-catalog';
import { CancelRunDto, CancellingRunDto, ListRunsQueryDto, RetriedRunDto, RunDto, RunPageDto } from './runs.dto';

@ApiTags('workflow runs')
@ApiKeyAuth()
@ApiErrorResponses(400, 503)
@Controller('v1/workflow-runs')
export class WorkflowRunsController {
  constructor(private readonly runs: WorkflowRunsService) {}

  @Get()
  @ApiOperation({ summary: 'List runs, newest first, by workflow and status' })
  @ApiOkResponse({ type: RunPageDto })
  list(
    @Principal() principal: ApiPrincipal,
    @CorrelationId() correlationId: string,
    @Query() query: ListRunsQueryDto,
  ): Promise<RunPageDto> {
    return this.runs.list(
      { ...principal, correlationId },
      {
        limit: query.limit ?? DEFAULT_PAGE_SIZE,
        cursor: query.cursor,
        workflowId: query.workflowId,
        status: query.status,
      },
    );
  }

  @Get(':runId')
  @ApiOperation({ summary: 'A run: state, outcome, nodes[] and context' })
  @ApiOkResponse({ type: RunDto })
  @ApiErrorResponses(404)
  get(
    @Principal() principal: ApiPrincipal,
    @CorrelationId() correlationId: string,
    @Param('runId') runId: string,
  ): Promise<RunDto> {
    return this.runs.get({ ...principal, correlationId }, runId);
  }

  @Post(':runId/cancel')
  @HttpCode(202)
  @ApiOperation({ summary: 'Cancel a running run; it emits WORKFLOW_RUN_CANCELLED and runs no further node' })
  @ApiAcceptedResponse({ type: CancellingRunDto })
  @ApiErrorResponses(404, 409)
  cancel(
    @Principal() principal: ApiPrincipal,
    @CorrelationId() correlationId: string,
    @Param('runId') runId: string,
    @Body() body: CancelRunDto,
  ): Promise<CancellingRunDto> {
    return this.runs.cancel({ ...principal, correlationId }, runId, body.reason);
  }

  @Post(':runId/retry')
  @HttpCode(202)
  @Idempotent()
  @ApiOperation({
    summary: 'Retry a FAILED run: a new run resumes at the node that failed, nothing done before is done again',
  })
  @ApiAcceptedResponse({ type: RetriedRunDto })
  @ApiErrorResponses(404, 409)
  retry(
    @Principal() principal: ApiPrincipal,
    @CorrelationId() correlationId: string,
    @Param('runId') runId: string,
  ): Promise<RetriedRunDto> {
    return this.runs.retry({ ...principal, correlationId }, runId);
  }
}
