import { Module, type OnModuleInit } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { OutboxRelayService } from '@wfp/persistence';
import { WebhookSubscriptionsModule } from '@wfp/webhook-subscriptions';
import { CallCompletionsService } from './call-completions.service';
import { WorkflowCallsService } from './workflow-calls.service';
import { RunRequestsService } from './run-requests.service';
import { RunTargetsService } from './run-targets.service';
import { Workflow, WorkflowSchema, WorkflowVersion, WorkflowVersionSchema } from './workflow.schema';
import { WorkflowRunsService } from './workflow-runs.service';
import { WorkflowRepository, WorkflowVersionRepository } from './workflow.repository';
import { WorkflowsService } from './workflows.service';

@Module({
  imports: [
    MongooseModule.forFeature([
      { name: Workflow.name, schema: WorkflowSchema },
      { name: WorkflowVersion.name, schema: WorkflowVersionSchema },
    ]),
    WebhookSubscriptionsModule,
  ],
  providers: [
    WorkflowRepository,
    WorkflowVersionRepository,
    WorkflowsService,
    RunRequestsService,
    WorkflowRunsService,
    WorkflowCallsService,
    CallCompletionsService,
    RunTargetsService,
  ],
  exports: [WorkflowsService, RunRequestsService, WorkflowRunsService, WorkflowCallsService],
})
export class WorkflowCatalogModule implements OnModuleInit {
  constructor(
    private readonly outbox: OutboxRelayService,
    private readonly versions: WorkflowVersionRepository,
    private readonly workflows: WorkflowRepository,
  ) {}

  onModuleInit(): void {
    this.workflows.watchOutbox(this.outbox);
    this.versions.watchOutbox(this.outbox);
  }
}
