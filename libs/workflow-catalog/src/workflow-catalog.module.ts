import { Module, type OnModuleInit } from '@nestjs/common';
import { InjectModel, MongooseModule } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { OutboxRelayService } from '@wfp/persistence';
import { WebhookSubscriptionsModule } from '@wfp/webhook-subscriptions';
import { CallCompletionsService } from './call-completions.service';
import { WorkflowCallsService } from './workflow-calls.service';
import { RunRequestsService } from './run-requests.service';
import { RunTargetsService } from './run-targets.service';
import { Workflow, WorkflowSchema, WorkflowVersion, WorkflowVersionSchema } from './workflow.schema';
import { WorkflowRunsService } from './workflow-runs.service';
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
    @InjectModel(WorkflowVersion.name) private readonly versions: Model<WorkflowVersion>,
    @InjectModel(Workflow.name) private readonly workflows: Model<Workflow>,
  ) {}

  onModuleInit(): void {
    this.outbox.watch(this.workflows);
    this.outbox.watch(this.versions);
  }
}
