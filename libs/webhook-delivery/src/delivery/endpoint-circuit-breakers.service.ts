import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import CircuitBreaker from 'opossum';
import { DELIVERY_OPTIONS, type DeliveryOptions } from '../delivery-options';
import type { AttemptOutcome } from './delivery-sender.service';

export type CircuitState = 'closed' | 'open' | 'half-open';

/** An attempt that got an answer other than 2xx (or none): a failure as far as the circuit goes. */
class FailedAttempt extends Error {
  constructor(readonly outcome: AttemptOutcome) {
    super('delivery attempt failed');
  }
}

export type GuardedAttempt = { kind: 'attempted'; outcome: AttemptOutcome } | { kind: 'deferred'; until: Date };

interface EndpointCircuit {
  breaker: CircuitBreaker<[() => Promise<AttemptOutcome>], AttemptOutcome>;
  openedAt: number;
}

/**
 * Past this many circuits, closed ones are dropped when another is made: call results go to any
 * origin a caller names, each with its own circuit, and a closed circuit only loses its counts.
 */
const PRUNE_CLOSED_ABOVE = 10_000;

/** While a half-open probe is in flight, other deliveries look again this soon. */
const PROBE_WAIT_MS = 1000;

/**
 * One opossum circuit breaker per endpoint (per dispatcher instance). It opens on a failure rate
 * over a rolling window once enough attempts were made; while open, deliveries are deferred to
 * the next probe instead of being tried (not an attempt, not dropped); a successful half-open
 * probe closes it again. Other endpoints have their own circuits and are never held up.
 */
@Injectable()
export class EndpointCircuitBreakersService implements OnApplicationShutdown {
  private readonly logger = new Logger(EndpointCircuitBreakersService.name);
  private readonly circuits = new Map<string, EndpointCircuit>();
  private readonly listeners: Array<(endpointId: string, state: CircuitState) => void> = [];

  constructor(@Inject(DELIVERY_OPTIONS) private readonly options: DeliveryOptions) {}

  /** Called on every state change (metrics). */
  onStateChange(listener: (endpointId: string, state: CircuitState) => void): void {
    this.listeners.push(listener);
  }

  async run(endpointId: string, attempt: () => Promise<AttemptOutcome>): Promise<GuardedAttempt> {
    const circuit = this.circuitOf(endpointId);
    try {
      return { kind: 'attempted', outcome: await circuit.breaker.fire(attempt) };
    } catch (error) {
      if (error instanceof FailedAttempt) return { kind: 'attempted', outcome: error.outcome };
      if ((error as { code?: string }).code === 'EOPENBREAKER')
        return { kind: 'deferred', until: this.nextProbeAt(circuit) };
      throw error;
    }
  }

  /**
   * When the endpoint's open circuit lets a probe through, or null when an attempt may go now
   * (closed, or half-open): lets the due-poller put a delivery off without reading it.
   */
  blockedUntil(endpointId: string): Date | null {
    const circuit = this.circuits.get(endpointId);
    if (!circuit?.breaker.opened) return null;
    const probeAt = this.nextProbeAt(circuit);
    return probeAt.getTime() > Date.now() ? probeAt : null;
  }

  state(endpointId: string): CircuitState {
    const breaker = this.circuits.get(endpointId)?.breaker;
    if (!breaker || breaker.closed) return 'closed';
    return breaker.halfOpen ? 'half-open' : 'open';
  }

  /** Every circuit this instance holds, by endpoint. */
  states(): Map<string, CircuitState> {
    return new Map([...this.circuits.keys()].map((endpointId) => [endpointId, this.state(endpointId)]));
  }

  /** Drops an endpoint's circuit (the endpoint was deleted). */
  forget(endpointId: string): void {
    this.circuits.get(endpointId)?.breaker.shutdown();
    this.circuits.delete(endpointId);
  }

  private pruneClosed(): void {
    for (const [key, circuit] of this.circuits) {
      if (circuit.breaker.closed) this.forget(key);
    }
  }

  private nextProbeAt(circuit: EndpointCircuit): Date {
    const now = Date.now();
    if (circuit.breaker.opened) return new Date(Math.max(now, circuit.openedAt + this.options.breaker.resetTimeoutMs));
    return new Date(now + Math.min(PROBE_WAIT_MS, this.options.breaker.resetTimeoutMs));
  }

  private circuitOf(endpointId: string): EndpointCircuit {
    const existing = this.circuits.get(endpointId);
    if (existing) return existing;
    if (this.circuits.size >= PRUNE_CLOSED_ABOVE) this.pruneClosed();
    const { breaker: settings } = this.options;
    const breaker = new CircuitBreaker(
      async (attempt: () => Promise<AttemptOutcome>) => {
        const outcome = await attempt();
        if (!outcome.ok) throw new FailedAttempt(outcome);
        return outcome;
      },
      {
        // The HTTP client bounds each attempt; the breaker only counts outcomes.
        timeout: false,
        errorThresholdPercentage: settings.errorThresholdPercentage,
        volumeThreshold: settings.volumeThreshold,
        rollingCountTimeout: settings.rollingWindowMs,
        rollingCountBuckets: 10,
        resetTimeout: settings.resetTimeoutMs,
        name: endpointId,
      },
    );
    const circuit: EndpointCircuit = { breaker, openedAt: 0 };
    breaker.on('open', () => {
      circuit.openedAt = Date.now();
      this.logger.warn(`circuit of endpoint ${endpointId} opened: deliveries wait for a probe`);
      this.emit(endpointId, 'open');
    });
    breaker.on('halfOpen', () => this.emit(endpointId, 'half-open'));
    breaker.on('close', () => {
      this.logger.log(`circuit of endpoint ${endpointId} closed`);
      this.emit(endpointId, 'closed');
    });
    this.circuits.set(endpointId, circuit);
    return circuit;
  }

  private emit(endpointId: string, state: CircuitState): void {
    for (const listener of this.listeners) listener(endpointId, state);
  }

  onApplicationShutdown(): void {
    for (const circuit of this.circuits.values()) circuit.breaker.shutdown();
    this.circuits.clear();
  }
}
