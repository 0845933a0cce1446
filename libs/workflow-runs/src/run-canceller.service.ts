import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import {
  createEnvelope,
  workflowEvent,
  WorkflowEventType,
  type MessageEnvelope,
  type RunCancelledData,
  type RunsCancelCommand,
} from '@wfp/contracts';
import {
  DocumentWriteLock,
  findOwnedById,
  isDuplicateKeyError,
  OutboxRelayService,
  toOutboxEntry,
} from '@wfp/persistence';
import { ArchivedWorkflow } from './archived-workflow.schema';
import { callResultEvents, endOf } from './call-results';
import { runCorrelation, runTerminalFields } from './run-events';
import { Run } from './run.schema';

@Injectable()
export class RunCancellerService {
  constructor(
    @InjectModel(Run.name) private readonly runs: Model<Run>,
    @InjectModel(ArchivedWorkflow.name) private readonly archived: Model<ArchivedWorkflow>,
    private readonly outbox: OutboxRelayService,
    private readonly writeLock: DocumentWriteLock,
  ) {}

  /** Cancels one run, or every running run of an archived workflow. Returns how many it cancelled. */
  async cancel(envelope: MessageEnvelope<RunsCancelCommand>): Promise<number> {
    const { runId, workflowId, reason } = envelope.payload;
    const organizationId = envelope.organizationId;
    if (workflowId) await this.rememberArchived(organizationId, workflowId, reason ?? 'Workflow archived');
    const running = await this.runs
      .find({ organizationId, status: 'RUNNING', ...(runId ? { _id: runId } : { workflowId }) }, { _id: 1 })
      .lean()
      .exec();
    let cancelled = 0;
    for (const { _id } of running) {
      if (await this.cancelRun(envelope, _id, reason)) cancelled += 1;
    }
    return cancelled;
  }

  /** Why a new run of this workflow must not run, or null when it may. */
  async archivedReason(organizationId: string, workflowId: string): Promise<string | null> {
    const archived = await findOwnedById(this.archived, workflowId, organizationId);
    return archived?.reason ?? null;
  }

  /**
   * One atomic update per run: status, reason and the WORKFLOW_RUN_CANCELLED event, guarded by
   * the run's version so a concurrent step cannot be overwritten (reload and decide again).
   */
  private async cancelRun(envelope: MessageEnvelope, runId: string, reason: string | undefined): Promise<boolean> {
    for (;;) {
      const run = await findOwnedById(this.runs, runId, envelope.organizationId);
      if (!run || run.status !== 'RUNNING' || run.processedMessageIds.includes(envelope.id)) return false;
      const completedAt = new Date();
      const data: RunCancelledData = {
        ...runCorrelation(run, completedAt),
        ...runTerminalFields(run, 'cancelled', completedAt),
        outcome: 'cancelled',
        ...(reason ? { cancellationReason: reason } : {}),
      };
      const origin = {
        organizationId: envelope.organizationId,
        correlationId: envelope.correlationId,
        causationId: envelope.id,
      };
      const event = createEnvelope(workflowEvent(WorkflowEventType.RunCancelled), data, origin);
      const outbox = [event, ...callResultEvents(run, { ...endOf(run), status: 'CANCELLED' }, origin)].map((message) =>
        toOutboxEntry('events', message),
      );
      const result = await this.writeLock.run(this.runs.collection.collectionName, runId, () =>
        this.runs
          .updateOne(
            { _id: runId, version: run.version },
            {
              $set: {
                status: 'CANCELLED',
                outcome: 'cancelled',
                completedAt,
                cancellationReason: reason ?? null,
                waiting: null,
                wakeAt: null,
              },
              $inc: { version: 1 },
              $push: { outbox: { $each: outbox }, processedMessageIds: envelope.id },
            },
          )
          .exec(),
      );
      if (result.modifiedCount === 1) {
        await this.outbox.relay(this.runs.collection.collectionName, runId);
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
  }
}
