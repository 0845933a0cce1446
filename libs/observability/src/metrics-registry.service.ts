import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
  type Metric,
} from 'prom-client';
import { SERVICE_NAME_TOKEN } from './logger.module';

/** A metric's configuration without `registers`: the metric always goes into this application's registry. */
export type MetricOptions<Config> = Omit<Config, 'registers'>;

/**
 * This application's Prometheus metrics, with the process defaults (CPU, memory, event loop lag).
 * Owns its own registry rather than prom-client's global one, so several applications in one
 * process (as in tests) each keep their own metrics instead of clashing on metric names.
 */
@Injectable()
export class MetricsRegistryService {
  private readonly registry = new Registry();

  // The service name comes from createLoggerModule (same name as in the logs); without it, no `service` label.
  constructor(@Optional() @Inject(SERVICE_NAME_TOKEN) service?: string) {
    if (service) this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
  }

  /** The Content-Type of the text `metrics()` returns. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** All metrics in the Prometheus text format. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  /** The counter with this name, created on first use (later calls get it back, whatever their other options). */
  counter<Label extends string = string>(config: MetricOptions<CounterConfiguration<Label>>): Counter<Label> {
    return this.getOrCreate<Counter<Label>>(
      config.name,
      Counter,
      () => new Counter({ ...config, registers: [this.registry] }),
    );
  }

  /** The gauge with this name, created on first use (later calls get it back, whatever their other options). */
  gauge<Label extends string = string>(config: MetricOptions<GaugeConfiguration<Label>>): Gauge<Label> {
    return this.getOrCreate<Gauge<Label>>(
      config.name,
      Gauge,
      () => new Gauge({ ...config, registers: [this.registry] }),
    );
  }

  /** The histogram with this name, created on first use (later calls get it back, whatever their other options). */
  histogram<Label extends string = string>(config: MetricOptions<HistogramConfiguration<Label>>): Histogram<Label> {
    return this.getOrCreate<Histogram<Label>>(
      config.name,
      Histogram,
      () => new Histogram({ ...config, registers: [this.registry] }),
    );
  }

  private getOrCreate<M extends Metric>(name: string, type: abstract new (...args: never[]) => M, create: () => M): M {
    const existing = this.registry.getSingleMetric(name);
    if (existing === undefined) return create();
    if (existing instanceof type) return existing;
    throw new Error(`Metric "${name}" is already registered as a ${existing.constructor.name}, not a ${type.name}`);
  }
}
