import { Logger } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import {
  ClaimsAcquireRequest,
  ClaimsConfirmCommand,
  ClaimsReleaseRequest,
  ContactsResolveCommand,
  parsePayload,
  RUN_TERMINAL_EVENT_TYPES,
  WorkflowEventType,
  type ClaimAnswer,
  type MessageEnvelope,
  type RunCompletedData,
} from '@wfp/contracts';
import { ContactResolverService } from '@wfp/contact-resolution';
import { MessageHandlers, type MessageContext } from '@wfp/messaging';

/** Message handlers of contact-resolver; the work lives in @wfp/contact-resolution. */
@MessageHandlers()
export class ContactMessagesHandler {
  private readonly logger = new Logger(ContactMessagesHandler.name);

  constructor(private readonly resolver: ContactResolverService) {}

  @EventPattern(ContactsResolveCommand.type)
  async onResolve(@Payload() envelope: MessageEnvelope, @Ctx() context: MessageContext): Promise<void> {
    const payload = parsePayload(ContactsResolveCommand, envelope.payload);
    const command = { ...envelope, payload };
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

  @EventPattern([...RUN_TERMINAL_EVENT_TYPES])
  async onRunEnded(@Payload() envelope: MessageEnvelope<RunCompletedData>): Promise<void> {
    const { workflowVersionId, candidateProfileId, recordId } = envelope.payload;
    if (!workflowVersionId || !candidateProfileId) return;
    await this.resolver.settleClaim(
      workflowVersionId,
      candidateProfileId,
      recordId,
      envelope.type === WorkflowEventType.RunCompleted,
    );
  }

  @EventPattern(ClaimsConfirmCommand.type)
  async onClaimConfirm(@Payload() envelope: MessageEnvelope): Promise<void> {
    await this.resolver.confirmClaim(envelope.organizationId, parsePayload(ClaimsConfirmCommand, envelope.payload));
  }

  @MessagePattern(ClaimsAcquireRequest.type)
  onClaimAcquire(@Payload() envelope: MessageEnvelope): Promise<ClaimAnswer> {
    return this.resolver.acquireClaim(envelope.organizationId, parsePayload(ClaimsAcquireRequest, envelope.payload));
  }

  @MessagePattern(ClaimsReleaseRequest.type)
  async onClaimRelease(@Payload() envelope: MessageEnvelope): Promise<{ released: true }> {
    await this.resolver.releaseClaim(envelope.organizationId, parsePayload(ClaimsReleaseRequest, envelope.payload));
    return { released: true };
  }
}
