import { context, propagation } from '@opentelemetry/api';
import { randomUUID } from 'node:crypto';
import type { MessageDefinition, MessageType, PayloadOf } from './message';

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
  /**
   * W3C trace context (`traceparent`, `tracestate`) of the work that made the message, when tracing
   * is on. It travels inside the message because a message is often published later, from an
   * outbox, outside that work; the publisher sends it as the AMQP headers' parent.
   */
  trace?: Record<string, string>;
  /** Where an event stands among its candidate's events; absent on events of no candidate. */
  order?: EventOrder;
}

/**
 * An event's place among its candidate's events, for endpoints that receive them in order
 * (`ordering: "candidate"`). A run's events, after its contact resolution's, are in a known order:
 * each names the types of the run's events before it, so a receiver of only some types still knows
 * which of them comes first. Events of different runs are concurrent and have no such order.
 */
export interface EventOrder {
  candidateProfileId: string;
  /** The run whose events these are (a contact resolution's is the run it started); null: none. */
  runId: string | null;
  /** Types of the run's events emitted before this one, oldest first (its position is their count). */
  earlier: string[];
}

export interface EnvelopeOrigin {
  organizationId: string;
  /** Follows a request through every message it causes; a new one is made when absent. */
  correlationId?: string;
  /** Id of the message (or request) that caused this one. */
  causationId?: string | null;
}

/**
 * The envelope of one message: `payload` must be the payload its definition declares, so a
 * mismatched pairing does not compile.
 */
export function createEnvelope<M extends MessageDefinition>(
  message: M,
  payload: PayloadOf<M>,
  origin: EnvelopeOrigin,
  id: string = newMessageId(message),
  occurredAt: Date = new Date(),
): MessageEnvelope<PayloadOf<M>> {
  return createUncheckedEnvelope(message, payload, origin, id, occurredAt) as MessageEnvelope<PayloadOf<M>>;
}

/**
 * An envelope for a message known only by name: for transports and tools that forward what they do
 * not define (request/reply by type, replays, tests of malformed input). Services publish their own
 * messages with createEnvelope, which checks the payload's type against the definition.
 */
export function createUncheckedEnvelope(
  message: MessageType,
  payload: unknown,
  origin: EnvelopeOrigin,
  id: string = newMessageId(message),
  occurredAt: Date = new Date(),
): MessageEnvelope {
  const envelope: MessageEnvelope = {
    id,
    type: message.type,
    schemaVersion: message.schemaVersion,
    occurredAt: occurredAt.toISOString(),
    organizationId: origin.organizationId,
    correlationId: origin.correlationId ?? randomUUID(),
    causationId: origin.causationId ?? null,
    payload,
  };
  // With tracing off no propagator is registered and nothing is added.
  const trace: Record<string, string> = {};
  propagation.inject(context.active(), trace);
  if (trace['traceparent']) envelope.trace = trace;
  return envelope;
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
