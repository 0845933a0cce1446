import { Logger } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { WORKFLOW_EVENTS, WorkflowCallResult, type MessageEnvelope } from '@wfp/contracts';
import { HandlesMessage, MessageHandlers, type MessageContext, WORK_QUEUES } from '@wfp/messaging';
import { EventIntakeService, type IntakeOptions } from '@wfp/webhook-delivery';

/** Takes in every workflow event; the work lives in @wfp/webhook-delivery. */
@MessageHandlers()
export class WorkflowEventsHandler {
  private readonly logger = new Logger(WorkflowEventsHandler.name);

  constructor(private readonly intake: EventIntakeService) {}

  @HandlesMessage(WORKFLOW_EVENTS, { queue: WORK_QUEUES.dispatcherEvents })
  async onWorkflowEvent(@Payload() envelope: MessageEnvelope, @Ctx() context: MessageContext): Promise<void> {
    const result = await this.intake.take(envelope, intakeOptions(context));
    // Per event at debug: the delivery log and the metrics are where deliveries are followed.
    if (result.deliveries > 0)
      this.logger.debug(
        `${envelope.type} ${envelope.id}: ${result.deliveries} deliveries, ${result.succeeded} delivered`,
      );
  }

  // Published on the events exchange like the workflow events, though not one of the catalogue.
  @HandlesMessage(WorkflowCallResult, { queue: WORK_QUEUES.dispatcherEvents, exchange: 'events' })
  async onCallResult(
    @Payload() envelope: MessageEnvelope<WorkflowCallResult>,
    @Ctx() context: MessageContext,
  ): Promise<void> {
    const result = await this.intake.takeCallResult(envelope, intakeOptions(context));
    if (result.deliveries > 0)
      this.logger.log(
        `call result of ${envelope.payload.runId} ${result.succeeded ? 'delivered' : 'queued'} to its webhook`,
      );
  }
}

/** A message the broker handed out before may have its deliveries stored already. */
function intakeOptions(context: MessageContext): IntakeOptions {
  return { seenBefore: context.delivery.redelivered || context.attempt > 1 };
}
