import { Logger } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import {
  parsePayload,
  RunsCancelCommand,
  RunsStartCommand,
  VersionsRegisterCommand,
  type MessageEnvelope,
} from '@wfp/contracts';
import { MessageHandlers, type MessageContext } from '@wfp/messaging';
import { RunCancellerService, RunStarterService, VersionRegistryService } from '@wfp/workflow-runs';

/** Message handlers for the processor's commands; the work lives in @wfp/workflow-runs. */
@MessageHandlers()
export class RunCommandsHandler {
  private readonly logger = new Logger(RunCommandsHandler.name);

  constructor(
    private readonly versions: VersionRegistryService,
    private readonly starter: RunStarterService,
    private readonly canceller: RunCancellerService,
  ) {}

  @EventPattern(VersionsRegisterCommand.type)
  async onVersionsRegister(@Payload() envelope: MessageEnvelope): Promise<void> {
    const payload = parsePayload(VersionsRegisterCommand, envelope.payload);
    await this.versions.register({ ...envelope, payload });
  }

  @EventPattern(RunsStartCommand.type)
  async onRunsStart(@Payload() envelope: MessageEnvelope, @Ctx() context: MessageContext): Promise<void> {
    const payload = parsePayload(RunsStartCommand, envelope.payload);
    const result = await this.starter.start({ ...envelope, payload });
    this.logger.log(`run ${payload.runId} ${result} (attempt ${context.attempt})`);
  }

  @EventPattern(RunsCancelCommand.type)
  async onRunsCancel(@Payload() envelope: MessageEnvelope): Promise<void> {
    const payload = parsePayload(RunsCancelCommand, envelope.payload);
    const cancelled = await this.canceller.cancel({ ...envelope, payload });
    this.logger.log(`${cancelled} run(s) cancelled (${payload.runId ?? `workflow ${payload.workflowId}`})`);
  }
}
