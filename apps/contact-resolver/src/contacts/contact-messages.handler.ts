import { Logger } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import {
  ClaimsAcquireRequest,
  ClaimsConfirmCommand,
  ClaimsReleaseRequest,
  ContactsResolveCommand,
  RUN_TERMINAL_EVENTS,
  WorkflowEventType,
  type ClaimAnswer,
  type MessageEnvelope,
  type RunCancelledData,
  type RunCompletedData,
  type RunFailedData,
} from '@wfp/contracts';
import { ContactResolverService } from '@wfp/contact-resolution';
import { AnswersRequest, HandlesMessage, MessageHandlers, type MessageContext, WORK_QUEUES } from '@wfp/messaging';

/** Message handlers of contact-resolver; the work lives in @wfp/contact-resolution. */
@MessageHandlers()
export class ContactMessagesHandler {
  private readonly logger = new Logger(ContactMessagesHandler.name);

  constructor(private readonly resolver: ContactResolverService) {}

  @HandlesMessage(ContactsResolveCommand, { queue: WORK_QUEUES.resolverCommands })
  async onResolve(
    @Payload() command: MessageEnvelope<ContactsResolveCommand>,
    @Ctx() context: MessageContext,
  ): Promise<void> {
    const { payload } = command;
    try {
      const result = await this.resolver.resolve(command);
      this.logger.log(`item ${payload.contactIndex} of ${payload.requestId} ${result}`);
    } catch (error) {
      // Transient errors go back through the queue's retries; when they are spent, the item
      // fails once, with its event, instead of being dead-lettered silently.
      if (!context.isFinalAttempt) throw error;
      this.logger.error(`item ${payload.contactIndex} of ${payload.requestId} failed for good: ${String(error)}`);
      await this.resolver.recordFailure(command);
    }
  }

  @HandlesMessage(RUN_TERMINAL_EVENTS, { queue: WORK_QUEUES.resolverRunEvents })
  async onRunEnded(
    @Payload() envelope: MessageEnvelope<RunCompletedData | RunFailedData | RunCancelledData>,
  ): Promise<void> {
    const { workflowVersionId, candidateProfileId, recordId } = envelope.payload;
    if (!workflowVersionId || !candidateProfileId) return;
    await this.resolver.settleClaim(
      envelope.organizationId,
      workflowVersionId,
      candidateProfileId,
      recordId,
      envelope.type === WorkflowEventType.RunCompleted,
    );
  }

  @HandlesMessage(ClaimsConfirmCommand, { queue: WORK_QUEUES.resolverCommands })
  async onClaimConfirm(@Payload() envelope: MessageEnvelope<ClaimsConfirmCommand>): Promise<void> {
    await this.resolver.confirmClaim(envelope.organizationId, envelope.payload);
  }

  @AnswersRequest(ClaimsAcquireRequest)
  onClaimAcquire(@Payload() envelope: MessageEnvelope<ClaimsAcquireRequest>): Promise<ClaimAnswer> {
    return this.resolver.acquireClaim(envelope.organizationId, envelope.payload);
  }

  @AnswersRequest(ClaimsReleaseRequest)
  async onClaimRelease(@Payload() envelope: MessageEnvelope<ClaimsReleaseRequest>): Promise<{ released: true }> {
    await this.resolver.releaseClaim(envelope.organizationId, envelope.payload);
    return { released: true };
  }
}
