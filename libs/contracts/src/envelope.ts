import { randomUUID } from 'node:crypto';

/**
 * The internal envelope of every command and event on the broker (DESIGN.md section 2).
 * Handlers are idempotent by `id`; an event's `id` is its public `eventId`.
 */
export interface MessageEnvelope<TPayload = unknown> {
  id: string;
  type: string;
  schemaVersion: number;
  occurredAt: string;
  organizationId: string;
  correlationId: string;
  causationId: string | null;
  payload: TPayload;
}

export interface EnvelopeOrigin {
  organizationId: string;
  /** Follows a request through every message it causes; a new one is made when absent. */
  correlationId?: string;
  /** Id of the message (or request) that caused this one. */
  causationId?: string | null;
}

export interface MessageType {
  readonly type: string;
  readonly schemaVersion: number;
}

export function createEnvelope<TPayload>(
  message: MessageType,
  payload: TPayload,
  origin: EnvelopeOrigin,
  id: string = newMessageId(message),
  occurredAt: Date = new Date(),
): MessageEnvelope<TPayload> {
  return {
    id,
    type: message.type,
    schemaVersion: message.schemaVersion,
    occurredAt: occurredAt.toISOString(),
    organizationId: origin.organizationId,
    correlationId: origin.correlationId ?? randomUUID(),
    causationId: origin.causationId ?? null,
    payload,
  };
}

/** Event ids use the `evt_` prefix of the public catalogue; commands `cmd_`. */
export function newMessageId(message: MessageType): string {
  const prefix = /^[A-Z_]+$/.test(message.type) ? 'evt' : 'cmd';
  return `${prefix}_${randomUUID().replace(/-/g, '')}`;
}

/** A structural check used before a message reaches a handler. */
export function isMessageEnvelope(value: unknown): value is MessageEnvelope {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v['id'] === 'string' &&
    v['id'].length > 0 &&
    typeof v['type'] === 'string' &&
    typeof v['schemaVersion'] === 'number' &&
    typeof v['occurredAt'] === 'string' &&
    typeof v['organizationId'] === 'string' &&
    typeof v['correlationId'] === 'string' &&
    (v['causationId'] === null || typeof v['causationId'] === 'string') &&
    'payload' in v
  );
}
