import { type QueueDescription } from '@wfp/messaging';

/** What the transport writes on a message it dead-letters (libs/messaging RmqTransport). */
const HEADER = {
  reason: 'x-dead-letter-reason',
  attempt: 'x-attempt',
  error: 'x-error',
  at: 'x-dead-lettered-at',
  exchange: 'x-original-exchange',
  routingKey: 'x-original-routing-key',
} as const;

/** Headers a replay drops, so the message starts over with a fresh retry budget. */
const DEAD_LETTER_HEADERS = [
  ...Object.values(HEADER),
  'x-death',
  'x-first-death-exchange',
  'x-first-death-queue',
  'x-first-death-reason',
];

export interface RawDeadLetter {
  content: Buffer;
  messageId?: string;
  headers?: Record<string, unknown>;
}

export interface MessageRoute {
  exchange: string;
  routingKey: string;
}

/** One dead-lettered message as the admin API shows it. */
export interface DeadLetterView {
  /** The message id (the envelope's `id`), by which it is inspected, replayed or deleted. */
  messageId: string | null;
  queue: string;
  /** The work queue it came from; null for a parking queue of notices. */
  deadLetterOf: string | null;
  type: string | null;
  organizationId: string | null;
  correlationId: string | null;
  reason: string | null;
  attempts: number | null;
  error: string | null;
  deadLetteredAt: string | null;
  /** Where a replay publishes it; null when the message does not say (it cannot be replayed). */
  replayTo: MessageRoute | null;
  /** The message body: the envelope when it is JSON, else the raw text. */
  body: unknown;
}

function text(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return null;
}

/**
 * Where a dead-lettered message came from: the transport's own headers, else the broker's
 * `x-death` record (a message the broker dead-lettered itself, e.g. rejected without requeue).
 */
export function replayRouteOf(headers: Record<string, unknown> = {}): MessageRoute | null {
  const exchange = text(headers[HEADER.exchange]);
  const routingKey = text(headers[HEADER.routingKey]);
  if (exchange !== null && routingKey !== null) return { exchange, routingKey };
  const deaths = headers['x-death'];
  if (Array.isArray(deaths) && deaths.length > 0) {
    // The oldest death is last: that is where the message was first published.
    const first = deaths[deaths.length - 1] as Record<string, unknown>;
    const keys = first['routing-keys'];
    const key = Array.isArray(keys) ? text(keys[0]) : null;
    const from = text(first['exchange']);
    if (from !== null && key !== null) return { exchange: from, routingKey: key };
  }
  return null;
}

/** The headers a replayed copy carries: the originals minus everything about its dead-lettering. */
export function replayHeaders(headers: Record<string, unknown> = {}, replayedAt: Date): Record<string, unknown> {
  const kept = Object.fromEntries(Object.entries(headers).filter(([key]) => !DEAD_LETTER_HEADERS.includes(key)));
  return { ...kept, 'x-replayed-at': replayedAt.toISOString() };
}

export function describeDeadLetter(queue: QueueDescription, message: RawDeadLetter): DeadLetterView {
  const headers = message.headers ?? {};
  const raw = message.content.toString('utf8');
  let body: unknown = raw;
  try {
    body = JSON.parse(raw);
  } catch {
    // not JSON: shown as text
  }
  const envelope = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const attempt = Number(headers[HEADER.attempt]);
  return {
    messageId: message.messageId ?? text(envelope['id']),
    queue: queue.name,
    deadLetterOf: queue.deadLetterOf,
    type: text(envelope['type']),
    organizationId: text(envelope['organizationId']),
    correlationId: text(envelope['correlationId']),
    reason: text(headers[HEADER.reason]) ?? deathReason(headers),
    attempts: Number.isFinite(attempt) && attempt > 0 ? attempt : null,
    error: text(headers[HEADER.error]),
    deadLetteredAt: text(headers[HEADER.at]),
    replayTo: queue.deadLetterOf === null ? null : replayRouteOf(headers),
    body,
  };
}

function deathReason(headers: Record<string, unknown>): string | null {
  const deaths = headers['x-death'];
  if (!Array.isArray(deaths) || deaths.length === 0) return null;
  return text((deaths[0] as Record<string, unknown>)['reason']);
}
