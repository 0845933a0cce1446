import { Inject, Injectable } from '@nestjs/common';
import type { MessageEnvelope, RunsCancelCommand } from '@wfp/contracts';
import { isDuplicateKeyError } from '@wfp/persistence';
import { ArchivedWorkflowRepository } from './archived-workflow.repository';
import { ENGINE_OPTIONS, type EngineOptions } from './engine/engine.options';
import { applyTransition, planRunEnding } from './engine/run-transition';
import { RunMetricsService } from './run-metrics.service';
import { RunRepository } from './run.repository';

/** How long this instance trusts an answer of "not archived" for a workflow. */
const NOT_ARCHIVED_TTL_MS = 2_000;

@Injectable()
export class RunCancellerService {
  /** Archived workflows never come back (reason by workflow id); "not archived" is rechecked. */
  private readonly archivedReasons = new Map<string, string>();
  private readonly notArchivedUntil = new Map<string, number>();

  constructor(
    private readonly archived: ArchivedWorkflowRepository,
    private readonly store: RunRepository,
    private readonly metrics: RunMetricsService,
    @Inject(ENGINE_OPTIONS) private readonly options: EngineOptions,
  ) {}

  /** Cancels one run, or every running run of an archived workflow. Returns how many it cancelled. */
  async cancel(envelope: MessageEnvelope<RunsCancelCommand>): Promise<number> {
    const { runId, workflowId, reason } = envelope.payload;
    const organizationId = envelope.organizationId;
    if (workflowId) await this.rememberArchived(organizationId, workflowId, reason ?? 'Workflow archived');
    if (runId) return (await this.cancelRun(envelope, organizationId, runId, reason)) ? 1 : 0;
    // Archiving is rare: this is the one place that looks for runs by workflow.
    const running = await this.store.runningOfWorkflow(organizationId, workflowId as string);
    let cancelled = 0;
    for (const runningId of running) {
      if (await this.cancelRun(envelope, organizationId, runningId, reason)) cancelled += 1;
    }
    return cancelled;
  }

  /**
   * Why a new run of this workflow must not run, or null when it may. Read through a short-lived
   * cache: a run accepted in the instant before its workflow was archived may still start.
   */
  async archivedReason(organizationId: string, workflowId: string): Promise<string | null> {
    const known = this.archivedReasons.get(workflowId);
    if (known !== undefined) return known;
    if ((this.notArchivedUntil.get(workflowId) ?? 0) > Date.now()) return null;
    const archived = await this.archived.findOne(organizationId, { _id: workflowId }).lean().exec();
    if (archived) {
      this.archivedReasons.set(workflowId, archived.reason);
      this.notArchivedUntil.delete(workflowId);
      return archived.reason;
    }
    if (this.notArchivedUntil.size > 10_000) this.notArchivedUntil.clear();
    this.notArchivedUntil.set(workflowId, Date.now() + NOT_ARCHIVED_TTL_MS);
    return null;
  }

  /**
   * One atomic update per run: status, reason and WORKFLOW_RUN_CANCELLED, guarded by the run's
   * version so a concurrent step cannot be overwritten (reload and decide again).
   */
  private async cancelRun(
    envelope: MessageEnvelope,
    organizationId: string,
    runId: string,
    reason: string | undefined,
  ): Promise<boolean> {
    for (;;) {
      const run = await this.store.load(organizationId, runId);
      if (!run) return false;
      if (run.status !== 'RUNNING') {
        // Cancelled already, perhaps by this very message before a crash: publish what it stored.
        await this.store.recover(run, envelope.id);
        return false;
      }
      const wasWaiting = run.waiting !== null;
      const origin = { organizationId, correlationId: envelope.correlationId, causationId: envelope.id };
      const ending = planRunEnding(
        run,
        { outcome: 'cancelled', reason: reason ?? null },
        { origin, now: new Date(), maxNodesBytes: this.options.maxNodesBytes },
      );
      const messages = applyTransition(run, ending);
      if (await this.store.save(run, messages, envelope.id, wasWaiting)) {
        this.metrics.runEnded('CANCELLED');
        return true;
      }
    }
  }

  private async rememberArchived(organizationId: string, workflowId: string, reason: string): Promise<void> {
    try {
      await this.archived.create({ _id: workflowId, organizationId, reason, archivedAt: new Date() });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    this.archivedReasons.set(workflowId, reason);
    this.notArchivedUntil.delete(workflowId);
  }
}
