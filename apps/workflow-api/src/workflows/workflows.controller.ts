import { Body, Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { instanceToPlain } from 'class-transformer';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiKeyGuard, Principal, type ApiPrincipal } from '@wfp/api-access';
import { CorrelationId } from '@wfp/http-kit';
import { RunRequestsService, WorkflowsService, type Caller } from '@wfp/workflow-catalog';
import { ApiErrorResponses } from '../openapi/api-error-responses';
import { AcceptedRunsDto, CreateWorkflowDto, StartRunsDto, VersionSummaryDto, WorkflowDto } from './workflows.dto';

@ApiTags('workflows')
@ApiBearerAuth('api-key')
@ApiErrorResponses(400, 401, 404)
@Controller('v1/workflows')
@UseGuards(ApiKeyGuard)
export class WorkflowsController {
  constructor(
    private readonly workflows: WorkflowsService,
    private readonly runRequests: RunRequestsService,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create a workflow with a draft definition' })
  @ApiCreatedResponse({ type: WorkflowDto })
  create(
    @Principal() principal: ApiPrincipal,
    @CorrelationId() correlationId: string,
    @Body() body: CreateWorkflowDto,
  ): Promise<WorkflowDto> {
    return this.workflows.create(caller(principal, correlationId), {
      name: body.name,
      externalId: body.externalId,
      description: body.description,
      // Stored as the caller wrote it: unset optional fields are left out, not saved as null.
      definition: instanceToPlain(body.definition, { exposeUnsetFields: false }),
    });
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read a workflow: its draft and latest published version' })
  @ApiOkResponse({ type: WorkflowDto })
  get(@Principal() principal: ApiPrincipal, @Param('id') id: string): Promise<WorkflowDto> {
    return this.workflows.get(principal.organizationId, id);
  }

  @Post(':id/publish')
  @HttpCode(201)
  @ApiOperation({ summary: 'Validate the draft graph and publish it as a new immutable version' })
  @ApiCreatedResponse({ type: VersionSummaryDto })
  @ApiErrorResponses(409, 422)
  publish(
    @Principal() principal: ApiPrincipal,
    @CorrelationId() correlationId: string,
    @Param('id') id: string,
  ): Promise<VersionSummaryDto> {
    return this.workflows.publish(caller(principal, correlationId), id);
  }

  @Post(':id/runs')
  @HttpCode(202)
  @ApiOperation({ summary: 'Start runs of the latest published version; runs start asynchronously' })
  @ApiAcceptedResponse({ type: AcceptedRunsDto })
  @ApiErrorResponses(409)
  startRuns(
    @Principal() principal: ApiPrincipal,
    @CorrelationId() correlationId: string,
    @Param('id') id: string,
    @Body() body: StartRunsDto,
  ): Promise<AcceptedRunsDto> {
    return this.runRequests.request(caller(principal, correlationId), id, body);
  }
}

function caller(principal: ApiPrincipal, correlationId: string): Caller {
  return { organizationId: principal.organizationId, keyId: principal.keyId, correlationId };
}
