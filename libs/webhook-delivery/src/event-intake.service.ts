import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { MessageEnvelope } from '@wfp/contracts';
import { findOwnedById, isDuplicateKeyError } from '@wfp/persistence';
import { ReceivedEvent } from './received-event.schema';

export type IntakeResult = 'recorded' | 'duplicate';

@Injectable()
export class EventIntakeService {
  constructor(@InjectModel(ReceivedEvent.name) private readonly events: Model<ReceivedEvent>) {}

  /** Records an event once; the broker may deliver it again (same eventId), which changes nothing. */
  async record(envelope: MessageEnvelope): Promise<IntakeResult> {
    try {
      await this.events.create({
        _id: envelope.id,
        organizationId: envelope.organizationId,
        type: envelope.type,
        occurredAt: new Date(envelope.occurredAt),
        receivedAt: new Date(),
        correlationId: envelope.correlationId,
        data: envelope.payload as Record<string, unknown>,
      });
      return 'recorded';
    } catch (error) {
      if (isDuplicateKeyError(error)) return 'duplicate';
      throw error;
    }
  }

  find(organizationId: string, eventId: string) {
    return findOwnedById(this.events, eventId, organizationId);
  }
}
