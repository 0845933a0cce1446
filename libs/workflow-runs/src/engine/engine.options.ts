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
  /** Largest serialized nodes[] in a terminal event before it is truncated. */
  maxNodesBytes: number;
  timerPollIntervalMs: number;
}

export const ENGINE_OPTIONS = Symbol('ENGINE_OPTIONS');

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
