import type { AddressPolicy } from '@wfp/outbound-http';

export interface EngineOptions {
  /** Base URL of the conversation service (DESIGN.md section 6). */
  messagingUrl: string;
  messagingTimeoutMs: number;
  /** Extra attempts after a failed conversation start (non-2xx, timeout, connection error). */
  messagingRetries: number;
  /** First backoff between attempts of an outbound call; it doubles each time. */
  retryBackoffMs: number;
  /** Which addresses webhook nodes may reach (loopback only in development and tests). */
  addressPolicy: AddressPolicy;
  /**
   * How long one message may work on a run before the rest is queued as a `runs.resume` (checked
   * between outbound calls), so one organization's slow targets cannot hold a consumer for long.
   */
  messageBudgetMs: number;
  /** Run messages of one organization executing at once on one instance; more are deferred... */
  organizationConcurrency: number;
  /** ...unless fewer than this many run messages are executing there in all (room to spare). */
  spareCapacityBelow: number;
  /** Largest serialized nodes[] in a terminal event before it is truncated. */
  maxNodesBytes: number;
  timerPollIntervalMs: number;
}

export const ENGINE_OPTIONS = Symbol('ENGINE_OPTIONS');

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
