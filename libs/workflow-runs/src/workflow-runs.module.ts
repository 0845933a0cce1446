import { Module, type OnModuleInit } from '@nestjs/common';
import { getModelToken, MongooseModule } from '@nestjs/mongoose';
import { ModuleRef } from '@nestjs/core';
import { OutboxRelayService } from '@wfp/persistence';
import { RunStarterService } from './run-starter.service';
import { Run, RunSchema } from './run.schema';
import { VersionRegistryService } from './version-registry.service';
import { WorkflowVersionCopy, WorkflowVersionCopySchema } from './workflow-version-copy.schema';

@Module({
  imports: [
    MongooseModule.forFeature([
      { name: Run.name, schema: RunSchema },
      { name: WorkflowVersionCopy.name, schema: WorkflowVersionCopySchema },
    ]),
  ],
  providers: [RunStarterService, VersionRegistryService],
  exports: [RunStarterService, VersionRegistryService],
})
export class WorkflowRunsModule implements OnModuleInit {
  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly outbox: OutboxRelayService,
  ) {}

  onModuleInit(): void {
    this.outbox.watch(this.moduleRef.get(getModelToken(Run.name), { strict: false }));
  }
}
