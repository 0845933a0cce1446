/** The public webhook body (DESIGN.md section 7): what every endpoint receives, byte for byte. */
export interface WebhookEnvelope {
  event: string;
  eventId: string;
  /** When the event was put in its envelope; the same on every attempt. */
  eventTimestamp: string;
  data: Record<string, unknown>;
}

export function webhookBody(event: {
  _id: string;
  type: string;
  occurredAt: Date;
  data: Record<string, unknown>;
}): string {
  const envelope: WebhookEnvelope = {
    event: event.type,
    eventId: event._id,
    eventTimestamp: event.occurredAt.toISOString(),
    data: event.data,
  };
  return JSON.stringify(envelope);
}
