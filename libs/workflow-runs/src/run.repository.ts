import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { isDuplicateKeyError, OutboxRelayService, toOutboxEntry, type OutboxEntry } from '@wfp/persistence';
import { RUN_STATE_FIELDS, type RunMessage } from './engine/run-transition';
import { isWorkflowEventType } from '@wfp/contracts';
import { RunConversation, RunTimer } from './run-timer.schema';
import { Run } from './run.schema';

/** The epoch: a timer nobody holds. */
const NO_LEASE = new Date(0);

/**
 * Reads and writes runs. Every write is one document operation by `_id` that stores the run's
 * new state with the messages it causes (outbox), guarded by `version`; the messages are then
 * published from memory before the caller acknowledges its message. `cause` names the operation
 * (the message id): when it is repeated, `recover` publishes what it stored the first time.
 */
@Injectable()
export class RunRepository {
  constructor(
    @InjectModel(Run.name) private readonly runs: Model<Run>,
    @InjectModel(RunTimer.name) private readonly timers: Model<RunTimer>,
    @InjectModel(RunConversation.name) private readonly conversations: Model<RunConversation>,
    private readonly outbox: OutboxRelayService,
  ) {}

  /** The run, if it belongs to the organization (`{ _id, organizationId }`, served by the `_id` index). */
  async load(organizationId: string, runId: string): Promise<Run | null> {
    return (await this.runs.findOne({ _id: runId, organizationId }).lean().exec()) as Run | null;
  }

  /** The run without its outbox (what reads show), if it belongs to the organization. */
  async read(organizationId: string, runId: string): Promise<Omit<Run, 'outbox'> | null> {
    return (await this.runs.findOne({ _id: runId, organizationId }, { outbox: 0 }).lean().exec()) as Omit<
      Run,
      'outbox'
    > | null;
  }

  /** A page of the organization's runs, newest first (`filter` narrows it: workflow, status, cursor). */
  async page(organizationId: string, filter: Record<string, unknown>, limit: number): Promise<Omit<Run, 'outbox'>[]> {
    return (await this.runs
      .find({ ...filter, organizationId }, { outbox: 0 })
      .sort({ createdAt: -1, _id: -1 })
      .limit(limit)
      .lean()
      .exec()) as Omit<Run, 'outbox'>[];
  }

  /** The ids of the workflow's running runs (archiving cancels them; the one search by workflow). */
  async runningOfWorkflow(organizationId: string, workflowId: string): Promise<string[]> {
    const running = await this.runs.find({ organizationId, workflowId, status: 'RUNNING' }, { _id: 1 }).lean().exec();
    return running.map(({ _id }) => _id);
  }

  /** The newest runs of every organization (the operations page, admin only). */
  async recentAcrossOrganizations(limit: number): Promise<Omit<Run, 'outbox' | 'context'>[]> {
    return (await this.runs
      .find({}, { outbox: 0, context: 0 })
      .sort({ createdAt: -1, _id: -1 })
      .limit(limit)
      .lean()
      .exec()) as Omit<Run, 'outbox' | 'context'>[];
  }

  /** The run that started this conversation (outcome callbacks carry only the conversation id). */
  async findByConversation(conversationId: string): Promise<Run | null> {
    const started = await this.conversations.findById(conversationId).lean().exec();
    return started ? this.load(started.organizationId, started.runId) : null;
  }

  /**
   * Stores a new run with its messages and publishes them. False when a run with this id exists
   * (the operation is being repeated): nothing is written.
   */
  async insert(run: Omit<Run, 'createdAt' | 'updatedAt'>, messages: RunMessage[], cause: string): Promise<boolean> {
    placeInCandidateOrder(run, messages);
    const added = this.entries(messages, cause);
    try {
      await this.runs.create({ ...run, outbox: added });
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
    run.outbox = added;
    if (run.waiting && run.wakeAt) await this.recordWait(run as Run);
    await this.outbox.publish(added);
    return true;
  }

  /**
   * Stores the run's state as changed in memory since it was read (`version` as read), with the
   * messages the changes cause, and publishes them. False when the run moved meanwhile: reload it
   * and decide again. On success the in-memory run carries the new version and outbox.
   */
  async save(run: Run, messages: RunMessage[], cause: string, wasWaiting: boolean): Promise<boolean> {
    const emittedBefore = run.emitted?.length;
    placeInCandidateOrder(run, messages);
    const added = this.entries(messages, cause);
    const outbox = this.outbox.carry(run.outbox, added);
    // Stored before the run says it waits, so a wait never exists without its timer and lookup.
    if (run.waiting && run.wakeAt) await this.recordWait(run);
    const set: Record<string, unknown> = { outbox, version: run.version + 1 };
    for (const field of RUN_STATE_FIELDS) set[field] = run[field];
    if (run.emitted && run.emitted.length !== emittedBefore) set['emitted'] = run.emitted;
    const written = await this.runs.updateOne({ _id: run._id, version: run.version }, { $set: set }).exec();
    if (written.matchedCount !== 1) return false;
    run.version += 1;
    run.outbox = outbox;
    // A stale timer would only fire into a run that no longer waits, which ignores it.
    if (wasWaiting && !run.waiting) await this.timers.deleteOne({ _id: run._id }).exec();
    await this.outbox.publish(added);
    return true;
  }

  /** Links a failed run to the run that retries it (a field nothing else writes). */
  async markRetried(runId: string, retryRunId: string): Promise<void> {
    await this.runs.updateOne({ _id: runId }, { $set: { retriedByRunId: retryRunId } }).exec();
  }

  /** The operation `cause` is repeated: publish again what it stored the first time. */
  recover(run: Run, cause: string): Promise<void> {
    return this.outbox.republishOwn(run.outbox, cause);
  }

  /** Claims one due timer for `leaseMs` (any instance may poll); null when none is due. */
  async claimDueTimer(now: Date, leaseMs: number): Promise<RunTimer | null> {
    return (await this.timers
      .findOneAndUpdate(
        { wakeAt: { $lte: now }, leaseUntil: { $lt: now } },
        { $set: { leaseUntil: new Date(now.getTime() + leaseMs) } },
        { returnDocument: 'after' },
      )
      .lean()
      .exec()) as RunTimer | null;
  }

  /** Removes a timer whose run no longer waits on it. */
  async dropTimer(runId: string): Promise<void> {
    await this.timers.deleteOne({ _id: runId }).exec();
  }

  private async recordWait(run: Run): Promise<void> {
    const conversationId = run.waiting?.conversationId;
    if (conversationId) {
      await this.conversations
        .updateOne(
          { _id: conversationId },
          { $setOnInsert: { runId: run._id, organizationId: run.organizationId } },
          { upsert: true },
        )
        .exec();
    }
    await this.timers
      .updateOne(
        { _id: run._id },
        { $set: { organizationId: run.organizationId, wakeAt: run.wakeAt, leaseUntil: NO_LEASE } },
        { upsert: true },
      )
      .exec();
  }

  private entries(messages: RunMessage[], cause: string): OutboxEntry[] {
    return messages.map((message) => toOutboxEntry(message.kind, message.envelope, cause));
  }
}

/**
 * Gives each event the run emits to its candidate its place in the run's order (EventOrder) and
 * records its type on the run, which the same write stores. Runs without a candidate, or stored
 * before runs kept this, emit events without an order.
 */
export function placeInCandidateOrder(
  run: Pick<Run, '_id' | 'candidateProfileId' | 'emitted'>,
  messages: RunMessage[],
): void {
  const candidateProfileId = run.candidateProfileId;
  if (!candidateProfileId || !run.emitted) return;
  for (const message of messages) {
    if (message.kind !== 'events' || !isWorkflowEventType(message.envelope.type)) continue;
    message.envelope.order = { candidateProfileId, runId: run._id, earlier: [...run.emitted] };
    run.emitted = [...run.emitted, message.envelope.type];
  }
}
