import type { MetricSample } from '@wfp/observability';

export type BreakerState = 'closed' | 'half-open' | 'open';

export interface BreakerView {
  endpointId: string;
  state: BreakerState;
  /** Delivery attempts to the endpoint by result (2xx, 5xx, TIMEOUT, …) since the dispatcher started. */
  attempts: Record<string, number>;
}

const STATES: Record<number, BreakerState> = { 0: 'closed', 1: 'half-open', 2: 'open' };

/** Circuit breakers per endpoint, from a dispatcher's /metrics; open ones first. */
export function breakersFromMetrics(samples: MetricSample[]): BreakerView[] {
  const breakers = new Map<string, BreakerView>();
  const breaker = (endpointId: string) => {
    let view = breakers.get(endpointId);
    if (!view) breakers.set(endpointId, (view = { endpointId, state: 'closed', attempts: {} }));
    return view;
  };
  for (const sample of samples) {
    const endpointId = sample.labels['endpoint_id'];
    if (!endpointId) continue;
    if (sample.name === 'webhook_endpoint_circuit_state') breaker(endpointId).state = STATES[sample.value] ?? 'closed';
    if (sample.name === 'webhook_delivery_attempts_total' && sample.value > 0) {
      breaker(endpointId).attempts[sample.labels['result'] ?? '?'] = sample.value;
    }
  }
  const order: Record<BreakerState, number> = { open: 0, 'half-open': 1, closed: 2 };
  return [...breakers.values()].sort(
    (a, b) => order[a.state] - order[b.state] || a.endpointId.localeCompare(b.endpointId),
  );
}
