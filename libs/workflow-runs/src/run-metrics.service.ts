import { Injectable, Optional } from '@nestjs/common';
import type { Counter, Histogram } from 'prom-client';
import { MetricsRegistryService } from '@wfp/observability';
import type { RunStatus } from './run.schema';

/**
 * The processor's own metrics: runs started and ended (by status) by this instance, and node
 * executions by node type and result, with their duration. Counters, summed over the instances by
 * Prometheus (runs in progress = started - ended); counting runs in the database at every scrape
 * would read the whole history of runs.
 */
@Injectable()
export class RunMetricsService {
  private readonly executions: Counter<'type' | 'result'>;
  private readonly executionTime: Histogram<'type'>;
  private readonly started: Counter;
  private readonly ended: Counter<'status'>;
  private readonly deferred: Counter;

  constructor(@Optional() registry: MetricsRegistryService = new MetricsRegistryService()) {
    this.executions = registry.counter({
      name: 'workflow_node_executions_total',
      help: 'Node executions, by node type and result (routed, waiting, failed).',
      labelNames: ['type', 'result'],
    });
    this.executionTime = registry.histogram({
      name: 'workflow_node_execution_seconds',
      help: 'Time a node took to execute (the call it makes included), by node type.',
      labelNames: ['type'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    });
    this.started = registry.counter({
      name: 'workflow_runs_started_total',
      help: 'Runs this instance started (retries included).',
    });
    this.ended = registry.counter({
      name: 'workflow_runs_ended_total',
      help: 'Runs this instance ended, by final status (COMPLETED, FAILED, CANCELLED).',
      labelNames: ['status'],
    });
    this.deferred = registry.counter({
      name: 'workflow_run_messages_deferred_total',
      help: 'Run messages put back for later because their organization had its share of work in flight here.',
    });
  }

  messageDeferred(): void {
    this.deferred.inc();
  }

  runStarted(): void {
    this.started.inc();
  }

  runEnded(status: RunStatus): void {
    if (status !== 'RUNNING') this.ended.inc({ status });
  }

  /** Starts timing one node execution; the returned function records its result. */
  nodeStarted(type: string): (result: string) => void {
    const stop = this.executionTime.startTimer({ type });
    return (result) => {
      stop();
      this.executions.inc({ type, result });
    };
  }
}
