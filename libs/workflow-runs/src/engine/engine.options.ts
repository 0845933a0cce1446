export interface EngineOptions {
  /** Base URL of the conversation service (DESIGN.md section 6). */
  messagingUrl: string;
  messagingTimeoutMs: number;
  /** Extra attempts after a failed conversation start (non-2xx, timeout, connection error). */
  messagingRetries: number;
  /** First backoff between attempts of an outbound call; it doubles each time. */
  retryBackoffMs: number;
  /** Development/test only: let webhook nodes reach loopback addresses. */
  allowLoopbackTargets: boolean;
  /** Largest serialized nodes[] in a terminal event before it is truncated. */
  maxNodesBytes: number;
  timerPollIntervalMs: number;
}

export const ENGINE_OPTIONS = Symbol('ENGINE_OPTIONS');

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
