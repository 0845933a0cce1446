import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { instanceToPlain } from 'class-transformer';
import { ApiKeyAuth, Idempotent, Principal, type ApiPrincipal } from '@wfp/api-access';
import { ApiError, ApiErrorResponses, CorrelationId, DEFAULT_PAGE_SIZE, PageQueryDto } from '@wfp/http-kit';
import { RunRequestsService, WorkflowCallsService, WorkflowsService, type Caller } from '@wfp/workflow-catalog';
import type { WorkflowDefinitionDto } from './definition.dto';
import {
  AcceptedRunsDto,
  CallAcceptedDto,
  CallResultDto,
  CallWorkflowDto,
  CallWorkflowQueryDto,
  CreateWorkflowDto,
  ListWorkflowsQueryDto,
  ReplaceDraftDto,
  StartRunsDto,
  VersionPageDto,
  VersionSummaryDto,
  WorkflowDto,
  WorkflowPageDto,
} from './workflows.dto';

/** Stored as the caller wrote it: unset optional fields are left out, not saved as null. */
function plainDefinition(definition: WorkflowDefinitionDto): Record<string, unknown> {
  return instanceToPlain(definition, { exposeUnsetFields: false });
}

/** The longest `?wait=` a call may ask for (CALL_MAX_WAIT_SECONDS). */
export const CALL_MAX_WAIT_SECONDS = Symbol('CALL_MAX_WAIT_SECONDS');

function caller(principal: ApiPrincipal, correlationId: string): Caller {
  return { organizationId: principal.organizationId, keyId: principal.keyId, correlationId };
}

@ApiTags('workflows')
@ApiKeyAuth()
@ApiErrorResponses(400)
@Controller('v1/workflows')
export class WorkflowsController {
  constructor(
    private readonly workflows: WorkflowsService,
    private readonly runRequests: RunRequestsService,
    private readonly calls: WorkflowCallsService,
    @Inject(CALL_MAX_WAIT_SECONDS) private readonly maxWaitSeconds: number,
  ) {}

  @Post()
  @Idempotent()
  @ApiOperation({ summary: 'Create a workflow with a draft definition (shape checked now, graph at publish)' })
  @ApiCreatedResponse({ type: WorkflowDto })
  @ApiErrorResponses(409, 413, 422)
  create(
    @Principal() principal: ApiPrincipal,
    @CorrelationId() correlationId: string,
    @Body() body: CreateWorkflowDto,
  ): Promise<WorkflowDto> {
    return this.workflows.create(caller(principal, correlationId), {
      name: body.name,
      externalId: body.externalId,
      description: body.description,
      definition: plainDefinition(body.definition),
    });
  }

  @Get()
  @ApiOperation({ summary: 'List workflows, newest first (cursor pagination)' })
  @ApiOkResponse({ type: WorkflowPageDto })
  list(@Principal() principal: ApiPrincipal, @Query() query: ListWorkflowsQueryDto): Promise<WorkflowPageDto> {
    return this.workflows.list(principal.organizationId, {
      limit: query.limit ?? DEFAULT_PAGE_SIZE,
      cursor: query.cursor,
      status: query.status,
    });
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read a workflow: its draft and latest published version' })
  @ApiOkResponse({ type: WorkflowDto })
  @ApiErrorResponses(404)
  get(@Principal() principal: ApiPrincipal, @Param('id') id: string): Promise<WorkflowDto> {
    return this.workflows.get(principal.organizationId, id);
  }

  @Put(':id/draft')
  @ApiOperation({ summary: 'Replace the draft definition (published versions never change)' })
  @ApiOkResponse({ type: WorkflowDto })
  @ApiErrorResponses(404, 409, 413)
  replaceDraft(
    @Principal() principal: ApiPrincipal,
    @Param('id') id: string,
    @Body() body: ReplaceDraftDto,
  ): Promise<WorkflowDto> {
    return this.workflows.replaceDraft(principal.organizationId, id, plainDefinition(body.definition));
  }

  @Post(':id/publish')
  @HttpCode(201)
  @Idempotent()
  @ApiOperation({ summary: 'Validate the whole draft graph and publish it as a new immutable version' })
  @ApiCreatedResponse({ type: VersionSummaryDto })
  @ApiErrorResponses(404, 409, 422)
  publish(
    @Principal() principal: ApiPrincipal,
    @CorrelationId() correlationId: string,
    @Param('id') id: string,
  ): Promise<VersionSummaryDto> {
    return this.workflows.publish(caller(principal, correlationId), id);
  }

  @Get(':id/versions')
  @ApiOperation({ summary: 'List published versions, newest first (cursor pagination)' })
  @ApiOkResponse({ type: VersionPageDto })
  @ApiErrorResponses(404)
  versions(
    @Principal() principal: ApiPrincipal,
    @Param('id') id: string,
    @Query() query: PageQueryDto,
  ): Promise<VersionPageDto> {
    return this.workflows.listVersions(principal.organizationId, id, {
      limit: query.limit ?? DEFAULT_PAGE_SIZE,
      cursor: query.cursor,
    });
  }

  @Post(':id/archive')
  @HttpCode(200)
  @ApiOperation({ summary: 'Archive the workflow: no more runs or publishing; its active runs are cancelled' })
  @ApiOkResponse({ type: WorkflowDto })
  @ApiErrorResponses(404)
  archive(
    @Principal() principal: ApiPrincipal,
    @CorrelationId() correlationId: string,
    @Param('id') id: string,
  ): Promise<WorkflowDto> {
    return this.workflows.archive(caller(principal, correlationId), id);
  }

  @Post(':id/runs')
  @HttpCode(202)
  @Idempotent()
  @ApiOperation({ summary: 'Start runs of the latest published version; runs start asynchronously' })
  @ApiAcceptedResponse({ type: AcceptedRunsDto })
  @ApiErrorResponses(404, 409, 413, 422)
  startRuns(
    @Principal() principal: ApiPrincipal,
    @CorrelationId() correlationId: string,
    @Param('id') id: string,
    @Body() body: StartRunsDto,
  ): Promise<AcceptedRunsDto> {
    return this.runRequests.request(caller(principal, correlationId), id, body);
  }

  @Post(':id/call')
  @Idempotent()
  @ApiOperation({
    summary: 'Call the workflow as a function: run it on inputs, answer its result if it ends within ?wait=',
  })
  @ApiOkResponse({ type: CallResultDto, description: 'The run ended within the wait' })
  @ApiAcceptedResponse({ type: CallAcceptedDto, description: 'Still running (or no wait asked): read it later' })
  @ApiErrorResponses(404, 409, 422)
  async call(
    @Principal() principal: ApiPrincipal,
    @CorrelationId() correlationId: string,
    @Param('id') id: string,
    @Query() query: CallWorkflowQueryDto,
    @Body() body: CallWorkflowDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<CallResultDto | CallAcceptedDto> {
    const wait = query.wait ?? 0;
    if (wait > this.maxWaitSeconds) {
      const message = `wait must be between 0 and ${this.maxWaitSeconds} seconds`;
      throw ApiError.badRequest(message, [{ field: 'wait', message }]);
    }
    const answer = await this.calls.call(caller(principal, correlationId), id, body, wait);
    response.status(answer.httpStatus);
    return answer.body;
  }
}
