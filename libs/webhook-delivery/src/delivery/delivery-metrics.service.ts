import { Injectable } from '@nestjs/common';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsRegistryService } from '@wfp/observability';
import type { DeliveryFailureReason } from './webhook-delivery.schema';
import type { AttemptOutcome } from './delivery-sender.service';
import type { CircuitState } from './endpoint-circuit-breakers.service';

const CIRCUIT_STATE_VALUE: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2 };

/** What SREs watch of the dispatcher (on its /metrics). */
@Injectable()
export class DeliveryMetricsService {
  private readonly attempts: Counter<'endpoint_id' | 'result'>;
  private readonly duration: Histogram;
  private readonly deferred: Counter;
  private readonly finished: Counter<'endpoint_id' | 'status'>;
  private readonly deadLettered: Counter<'reason'>;
  private readonly circuitState: Gauge<'endpoint_id'>;
  readonly inFlight: Gauge;

  constructor(registry: MetricsRegistryService) {
    this.attempts = registry.counter({
      name: 'webhook_delivery_attempts_total',
      help: 'HTTP delivery attempts by endpoint and result: 2xx, 3xx, 4xx, 5xx, TIMEOUT, CONNECTION_ERROR, FORBIDDEN_TARGET',
      labelNames: ['endpoint_id', 'result'],
    });
    this.duration = registry.histogram({
      name: 'webhook_delivery_attempt_duration_seconds',
      help: 'Duration of delivery attempts',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    });
    this.finished = registry.counter({
      name: 'webhook_deliveries_finished_total',
      help: 'Deliveries that ended, by endpoint and status (succeeded, failed)',
      labelNames: ['endpoint_id', 'status'],
    });
    this.deferred = registry.counter({
      name: 'webhook_deliveries_deferred_total',
      help: 'Deliveries put off to the due-poller without an attempt, by reason (circuit_open, endpoint_busy, rate_limited)',
      labelNames: ['reason'],
    });
    this.deadLettered = registry.counter({
      name: 'webhook_deliveries_dead_lettered_total',
      help: 'Deliveries marked failed and sent to the delivery DLQ, by reason',
      labelNames: ['reason'],
    });
    this.circuitState = registry.gauge({
      name: 'webhook_endpoint_circuit_state',
      help: 'Circuit breaker state per endpoint in this instance: 0 closed, 1 half-open, 2 open',
      labelNames: ['endpoint_id'],
    });
    this.inFlight = registry.gauge({
      name: 'webhook_deliveries_in_flight',
      help: 'Deliveries this instance holds (attempting or waiting for an endpoint slot)',
    });
  }

  attempted(endpointId: string, outcome: AttemptOutcome): void {
    const result =
      outcome.statusCode === null ? (outcome.error ?? 'ERROR') : `${Math.floor(outcome.statusCode / 100)}xx`;
    this.attempts.inc({ endpoint_id: endpointId, result });
    this.duration.observe(outcome.durationMs / 1000);
  }

  deferredByCircuit(): void {
    this.deferred.inc({ reason: 'circuit_open' });
  }

  /** No send slot of the endpoint's rate limit came within WEBHOOK_ENDPOINT_MAX_WAIT_MS. */
  deferredByRateLimit(): void {
    this.deferred.inc({ reason: 'rate_limited' });
  }

  /** No slot of the endpoint came free within WEBHOOK_ENDPOINT_MAX_WAIT_MS. */
  deferredByBusyEndpoint(): void {
    this.deferred.inc({ reason: 'endpoint_busy' });
  }

  succeeded(endpointId: string): void {
    this.finished.inc({ endpoint_id: endpointId, status: 'succeeded' });
  }

  failed(endpointId: string, reason: DeliveryFailureReason): void {
    this.deadLettered.inc({ reason });
    this.finished.inc({ endpoint_id: endpointId, status: 'failed' });
  }

  circuit(endpointId: string, state: CircuitState): void {
    this.circuitState.set({ endpoint_id: endpointId }, CIRCUIT_STATE_VALUE[state]);
  }

  forgetCircuit(endpointId: string): void {
    this.circuitState.remove({ endpoint_id: endpointId });
  }
}
