import { Injectable, Logger, Optional } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { Counter, Histogram } from 'prom-client';
import { MetricsRegistry } from '@wfp/observability';
import { RUN_STATUSES, Run } from './run.schema';

/** A scrape waits at most this long for the count of runs by status. */
const COUNT_TIMEOUT_MS = 2_000;
/** Scrapes within this time share one count (several Prometheus servers, or a quick refresh). */
const COUNT_CACHE_MS = 5_000;

/**
 * The processor's own metrics: runs by status (counted in the database at scrape time, so every
 * instance reports the same truth, whatever it processed itself) and node executions by node type
 * and result, with their duration.
 */
@Injectable()
export class RunMetrics {
  private readonly log = new Logger(RunMetrics.name);
  private readonly executions: Counter<'type' | 'result'>;
  private readonly executionTime: Histogram<'type'>;
  private counted: { at: number; counts: Promise<Map<string, number>> } | undefined;

  constructor(
    @InjectModel(Run.name) private readonly runs: Model<Run>,
    @Optional() registry: MetricsRegistry = new MetricsRegistry(),
  ) {
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
    const counts = () => this.statusCounts();
    registry.gauge({
      name: 'workflow_runs',
      help: 'Runs in the database, by status.',
      labelNames: ['status'],
      async collect() {
        const byStatus = await counts();
        if (!byStatus) return;
        for (const status of RUN_STATUSES) this.set({ status }, byStatus.get(status) ?? 0);
      },
    });
  }

  /** Starts timing one node execution; the returned function records its result. */
  nodeStarted(type: string): (result: string) => void {
    const stop = this.executionTime.startTimer({ type });
    return (result) => {
      stop();
      this.executions.inc({ type, result });
    };
  }

  private async statusCounts(): Promise<Map<string, number> | undefined> {
    if (!this.counted || Date.now() - this.counted.at > COUNT_CACHE_MS) {
      const counts = this.runs
        .aggregate<{ _id: string; count: number }>([{ $group: { _id: '$status', count: { $sum: 1 } } }])
        .exec()
        .then((rows) => new Map(rows.map((row) => [row._id, row.count])));
      this.counted = { at: Date.now(), counts };
    }
    const timeout = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), COUNT_TIMEOUT_MS));
    // Unavailable (store down or slow): the gauge keeps its last values rather than reporting zeros.
    return Promise.race([this.counted.counts, timeout]).catch((error: unknown) => {
      this.log.warn(`cannot count runs by status: ${String(error)}`);
      this.counted = undefined;
      return undefined;
    });
  }
}
