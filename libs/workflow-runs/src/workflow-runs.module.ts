import { Module, type DynamicModule } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { ArchivedWorkflowRepository } from './archived-workflow.repository';
import { ArchivedWorkflow, ArchivedWorkflowSchema } from './archived-workflow.schema';
import { WorkflowVersionCopyRepository } from './version-copy.repository';
import { ENGINE_OPTIONS, type EngineOptions } from './engine/engine.options';
import { RunAdmissionService } from './run-admission.service';
import { OutreachExecutorService } from './engine/outreach-executor.service';
import { RunEngineService } from './engine/run-engine.service';
import { RunTimersService } from './engine/run-timers.service';
import { WebhookExecutorService } from './engine/webhook-executor.service';
import { RunQueriesService } from './run-queries.service';
import { RunMetricsService } from './run-metrics.service';
import { RunCancellerService } from './run-canceller.service';
import { RunRetrierService } from './run-retrier.service';
import { RunStarterService } from './run-starter.service';
import { RunRepository } from './run.repository';
import { RunConversation, RunConversationSchema, RunTimer, RunTimerSchema } from './run-timer.schema';
import { Run, RunSchema } from './run.schema';
import { VersionRegistryService } from './version-registry.service';
import { WorkflowVersionCopy, WorkflowVersionCopySchema } from './workflow-version-copy.schema';

@Module({
  imports: [
    MongooseModule.forFeature([
      { name: Run.name, schema: RunSchema },
      { name: WorkflowVersionCopy.name, schema: WorkflowVersionCopySchema },
      { name: ArchivedWorkflow.name, schema: ArchivedWorkflowSchema },
      { name: RunTimer.name, schema: RunTimerSchema },
      { name: RunConversation.name, schema: RunConversationSchema },
    ]),
  ],
})
export class WorkflowRunsModule {
  static register(options: EngineOptions): DynamicModule {
    const services = [
      RunRepository,
      WorkflowVersionCopyRepository,
      ArchivedWorkflowRepository,
      RunStarterService,
      RunCancellerService,
      RunRetrierService,
      VersionRegistryService,
      RunEngineService,
      RunTimersService,
      RunQueriesService,
      OutreachExecutorService,
      WebhookExecutorService,
      RunMetricsService,
      RunAdmissionService,
    ];
    return {
      module: WorkflowRunsModule,
      providers: [{ provide: ENGINE_OPTIONS, useValue: options }, ...services],
      exports: services,
    };
  }
}
