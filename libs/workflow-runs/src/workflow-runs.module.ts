import { Module, type OnModuleInit } from '@nestjs/common';
import { InjectModel, MongooseModule } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { OutboxRelayService } from '@wfp/persistence';
import { ArchivedWorkflow, ArchivedWorkflowSchema } from './archived-workflow.schema';
import { RunCancellerService } from './run-canceller.service';
import { RunStarterService } from './run-starter.service';
import { Run, RunSchema } from './run.schema';
import { VersionRegistryService } from './version-registry.service';
import { WorkflowVersionCopy, WorkflowVersionCopySchema } from './workflow-version-copy.schema';

@Module({
  imports: [
    MongooseModule.forFeature([
      { name: Run.name, schema: RunSchema },
      { name: WorkflowVersionCopy.name, schema: WorkflowVersionCopySchema },
      { name: ArchivedWorkflow.name, schema: ArchivedWorkflowSchema },
    ]),
  ],
  providers: [RunStarterService, RunCancellerService, VersionRegistryService],
  exports: [RunStarterService, RunCancellerService, VersionRegistryService],
})
export class WorkflowRunsModule implements OnModuleInit {
  constructor(
    private readonly outbox: OutboxRelayService,
    @InjectModel(Run.name) private readonly runs: Model<Run>,
  ) {}

  onModuleInit(): void {
    this.outbox.watch(this.runs);
  }
}
