import { parsePrometheusText } from './prometheus-text';

const text = `# HELP webhook_endpoint_circuit_state Circuit breaker state
# TYPE webhook_endpoint_circuit_state gauge
webhook_endpoint_circuit_state{endpoint_id="we_b",service="webhook-dispatcher"} 0
webhook_endpoint_circuit_state{endpoint_id="we_a",service="webhook-dispatcher"} 2
webhook_delivery_attempts_total{endpoint_id="we_a",result="5xx",service="webhook-dispatcher"} 7
webhook_delivery_attempts_total{endpoint_id="we_b",result="2xx",service="webhook-dispatcher"} 3
webhook_delivery_attempts_total{endpoint_id="we_c",result="TIMEOUT",service="webhook-dispatcher"} 1
process_resident_memory_bytes{service="webhook-dispatcher"} 123456
queue_messages{queue="a \\"quoted\\" name",kind="dlq"} 4
`;

describe('parsePrometheusText', () => {
  it('reads names, labels (escapes included) and values, skipping comments', () => {
    const samples = parsePrometheusText(text);
    expect(samples).toHaveLength(7);
    expect(samples.at(-1)).toEqual({
      name: 'queue_messages',
      labels: { queue: 'a "quoted" name', kind: 'dlq' },
      value: 4,
    });
  });
});
