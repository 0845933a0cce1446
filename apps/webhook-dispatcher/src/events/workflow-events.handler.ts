import { Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { ALL_WORKFLOW_EVENT_TYPES, WorkflowCallResult, type MessageEnvelope } from '@wfp/contracts';
import { MessageHandlers } from '@wfp/messaging';
import { EventIntakeService } from '@wfp/webhook-delivery';

/** Takes in every workflow event; the work lives in @wfp/webhook-delivery. */
@MessageHandlers()
export class WorkflowEventsHandler {
  private readonly logger = new Logger(WorkflowEventsHandler.name);

  constructor(private readonly intake: EventIntakeService) {}

  @EventPattern(ALL_WORKFLOW_EVENT_TYPES)
  async onWorkflowEvent(@Payload() envelope: MessageEnvelope): Promise<void> {
    const result = await this.intake.take(envelope);
    this.logger.log(
      `${envelope.type} ${envelope.id}${result.firstTime ? '' : ' (again)'}: ${result.deliveries} new deliveries`,
    );
  }

  @EventPattern(WorkflowCallResult.type)
  async onCallResult(@Payload() envelope: MessageEnvelope<WorkflowCallResult>): Promise<void> {
    const result = await this.intake.takeCallResult(envelope);
    if (result.deliveries > 0) this.logger.log(`call result of ${envelope.payload.runId} queued for its webhook`);
  }
}
