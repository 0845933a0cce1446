import { parsePrometheusText } from '@wfp/observability';
import { breakersFromMetrics } from './breakers';

const text = `# HELP webhook_endpoint_circuit_state Circuit breaker state
# TYPE webhook_endpoint_circuit_state gauge
webhook_endpoint_circuit_state{endpoint_id="we_b",service="webhook-dispatcher"} 0
webhook_endpoint_circuit_state{endpoint_id="we_a",service="webhook-dispatcher"} 2
webhook_delivery_attempts_total{endpoint_id="we_a",result="5xx",service="webhook-dispatcher"} 7
webhook_delivery_attempts_total{endpoint_id="we_b",result="2xx",service="webhook-dispatcher"} 3
webhook_delivery_attempts_total{endpoint_id="we_c",result="TIMEOUT",service="webhook-dispatcher"} 1
process_resident_memory_bytes{service="webhook-dispatcher"} 123456
`;

describe('breakersFromMetrics', () => {
  it('gives each endpoint its breaker state and attempts, open ones first', () => {
    expect(breakersFromMetrics(parsePrometheusText(text))).toEqual([
      { endpointId: 'we_a', state: 'open', attempts: { '5xx': 7 } },
      { endpointId: 'we_b', state: 'closed', attempts: { '2xx': 3 } },
      { endpointId: 'we_c', state: 'closed', attempts: { TIMEOUT: 1 } },
    ]);
  });
});
