import type { AddressPolicy } from '@wfp/outbound-http';

/** How the dispatcher delivers (DispatcherConfig maps its environment onto this). */
export interface DeliveryOptions {
  /** Delay before each attempt; entry 0 is the first attempt's (normally 0: at once). */
  retryScheduleMs: readonly number[];
  /** Bound on one HTTP attempt, connect to last byte. */
  requestTimeoutMs: number;
  /** How often the due-poller looks for deliveries whose next attempt has come. */
  pollIntervalMs: number;
  /** Attempts in flight to one endpoint at a time. */
  endpointConcurrency: number;
  /**
   * Longest expected wait for a slot of a busy endpoint that a delivery spends in memory (holding
   * its message); a longer one is left to the due-poller instead.
   */
  endpointMaxWaitMs: number;
  /**
   * Endpoints that keep a candidate's events in order: how long a delivery waits for an earlier
   * event of its run that has not come (one handled before the endpoint took its type never will).
   */
  orderGapWaitMs: number;
  /** Attempts in flight in this instance at a time. */
  maxConcurrency: number;
  /** An endpoint failing without a single success for this long is disabled. */
  disableAfterMs: number;
  /**
   * How long an organization's endpoints are kept in memory before they are read again. Changes
   * made through any instance reach every instance at once (a broadcast); this is the safety net.
   */
  endpointCacheMs: number;
  /** Which addresses endpoints and call-result URLs may point at (loopback only in development and tests). */
  addressPolicy: AddressPolicy;
  breaker: {
    /** Failure percentage over the rolling window that opens the circuit. */
    errorThresholdPercentage: number;
    /** Attempts in the window before the rate is judged at all. */
    volumeThreshold: number;
    rollingWindowMs: number;
    /** How long the circuit stays open before a half-open probe. */
    resetTimeoutMs: number;
  };
}

export const DELIVERY_OPTIONS = Symbol('DELIVERY_OPTIONS');

/** The lease a worker holds on a delivery while it tries it; another instance may take it after. */
export function deliveryLeaseMs(options: DeliveryOptions): number {
  return options.requestTimeoutMs * 2 + 5_000;
}
