import type { WebhookDisabledReason } from '@wfp/contracts';
import type { AttemptOutcome } from './delivery-sender.service';
import { nextAttemptDelay } from './retry-schedule';
import { MAX_STORED_ATTEMPTS, type DeliveryAttempt, type DeliveryFailureReason } from './webhook-delivery.schema';

/** What a delivery has been through: the part of it each attempt changes. */
export interface DeliveryProgress {
  /** Attempts ever made (every round). */
  attemptCount: number;
  /** Attempts made in the current round of the schedule. */
  roundAttempts: number;
  /** The newest attempts (at most MAX_STORED_ATTEMPTS). */
  attempts: DeliveryAttempt[];
  lastStatusCode: number | null;
}

export const NO_PROGRESS: DeliveryProgress = { attemptCount: 0, roundAttempts: 0, attempts: [], lastStatusCode: null };

export function progressOf(delivery: DeliveryProgress): DeliveryProgress {
  const { attemptCount, roundAttempts, attempts, lastStatusCode } = delivery;
  return { attemptCount, roundAttempts, attempts, lastStatusCode };
}

/**
 * Where a delivery stands after it was handled once: what is written to it, whether an HTTP
 * attempt was made, and, for a pending one, when it is tried next.
 */
export type Settlement =
  | { status: 'SUCCEEDED'; attempted: true; progress: DeliveryProgress }
  | { status: 'PENDING'; attempted: boolean; progress: DeliveryProgress; nextAttemptAt: Date }
  | { status: 'FAILED'; attempted: boolean; progress: DeliveryProgress; reason: DeliveryFailureReason };

/** The progress after one more attempt. */
export function withAttempt(progress: DeliveryProgress, outcome: AttemptOutcome, finishedAt: Date): DeliveryProgress {
  const attempt: DeliveryAttempt = {
    attemptNumber: progress.attemptCount + 1,
    attemptedAt: new Date(finishedAt.getTime() - outcome.durationMs),
    statusCode: outcome.statusCode,
    durationMs: outcome.durationMs,
    responseBody: outcome.responseBody,
    error: outcome.error,
  };
  return {
    attempts: [...progress.attempts, attempt].slice(-MAX_STORED_ATTEMPTS),
    attemptCount: progress.attemptCount + 1,
    roundAttempts: progress.roundAttempts + 1,
    lastStatusCode: outcome.statusCode,
  };
}

export interface SettleInput {
  /** The progress before the attempt. */
  progress: DeliveryProgress;
  outcome: AttemptOutcome;
  finishedAt: Date;
  /** Why the endpoint is disabled now, if this attempt (or one before it) disabled it. */
  disabled: WebhookDisabledReason | null;
  scheduleMs: readonly number[];
  random: number;
}

/** Pure: the delivery's state after an attempt. */
export function settleAttempt({
  progress,
  outcome,
  finishedAt,
  disabled,
  scheduleMs,
  random,
}: SettleInput): Settlement {
  const attempted = withAttempt(progress, outcome, finishedAt);
  if (outcome.ok) return { status: 'SUCCEEDED', attempted: true, progress: attempted };
  if (disabled) {
    const reason = disabled === 'GONE' ? 'ENDPOINT_GONE' : 'ENDPOINT_DISABLED';
    return { status: 'FAILED', attempted: true, progress: attempted, reason };
  }
  const delay = nextAttemptDelay({
    attemptsMade: attempted.roundAttempts,
    scheduleMs,
    retryAfterMs: outcome.retryAfterMs,
    random,
  });
  if (delay === null) return { status: 'FAILED', attempted: true, progress: attempted, reason: 'RETRIES_EXHAUSTED' };
  return {
    status: 'PENDING',
    attempted: true,
    progress: attempted,
    nextAttemptAt: new Date(finishedAt.getTime() + delay),
  };
}

/** Not tried now (no free slot, circuit open, shutting down): due again at `nextAttemptAt`. */
export function postponed(progress: DeliveryProgress, nextAttemptAt: Date): Settlement {
  return { status: 'PENDING', attempted: false, progress, nextAttemptAt };
}
