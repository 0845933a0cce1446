import type { EventOrder } from '@wfp/contracts';

/** The public webhook body (DESIGN.md section 7): what every endpoint receives, byte for byte. */
export interface WebhookEnvelope {
  event: string;
  eventId: string;
  /** When the event was put in its envelope; the same on every attempt. */
  eventTimestamp: string;
  data: Record<string, unknown>;
}

/** An event as a delivery holds it: everything its webhook body is made of. */
export interface DeliverableEvent {
  eventId: string;
  eventType: string;
  occurredAt: Date;
  data: Record<string, unknown>;
  /** Where this event goes when not to the endpoint's URL (a call result's `inputs.webhookUrl`). */
  targetUrl?: string | null;
  /** Trace context of the intake that made the delivery: later attempts' spans join its trace. */
  trace?: Record<string, string>;
  /** Its place among its candidate's events (for endpoints that keep them in order). */
  order?: EventOrder;
}

export function webhookBody(event: DeliverableEvent): string {
  const envelope: WebhookEnvelope = {
    event: event.eventType,
    eventId: event.eventId,
    eventTimestamp: event.occurredAt.toISOString(),
    data: event.data,
  };
  return JSON.stringify(envelope);
}
