import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import {
  createEnvelope,
  RunsResumeCommand,
  workflowEvent,
  WorkflowEventType,
  type ConversationOutcome,
  type ConversationsOutcomeRequest,
  type ConversationsOutcomeResult,
  type MessageEnvelope,
  type NodeCompletedData,
  type NodeOutcome,
  type RunCompletedData,
  type RunErrorClass,
  type RunErrorCode,
  type RunFailedData,
} from '@wfp/contracts';
import {
  DocumentWriteLock,
  findOwnedById,
  OutboxRelayService,
  toOutboxEntry,
  type OutboxEntry,
} from '@wfp/persistence';
import { toEventNodeType, validateNodeConfig, type WorkflowDefinition, type WorkflowNode } from '@wfp/workflow-graph';
import { callResultEvents, endOf } from '../call-results';
import { runCorrelation, runTerminalFields } from '../run-events';
import { Run } from '../run.schema';
import { VersionRegistryService } from '../version-registry.service';
import { executeCondition } from './condition.executor';
import { ENGINE_OPTIONS, type EngineOptions } from './engine.options';
import type { NodeResult } from './node-result';
import { executeOutput } from './output.executor';
import { OutreachExecutor } from './outreach.executor';
import { conversationRoutingEvent, nextStep, type NextStep } from './routing';
import { runScope } from './run-scope';
import { WebhookExecutor } from './webhook.executor';
import { RunMetrics } from '../run-metrics';

/** Synchronous nodes one message may execute; publish validation rules out loops without a wait. */
const MAX_SYNC_STEPS = 500;

interface Graph {
  nodes: Map<string, WorkflowNode>;
}

/**
 * Executes runs node by node (DESIGN.md section 10). Each node's result, the context entry, the
 * events it causes and the next position are one `updateOne({ _id, version })`; a conflict means
 * another instance moved the run, so it reloads and decides again. Waiting nodes end the step;
 * their outcome or timer resumes the run.
 */
@Injectable()
export class RunEngineService {
  private readonly logger = new Logger(RunEngineService.name);
  private readonly graphs = new Map<string, Graph>();

  constructor(
    @InjectModel(Run.name) private readonly runs: Model<Run>,
    private readonly versions: VersionRegistryService,
    private readonly outbox: OutboxRelayService,
    private readonly writeLock: DocumentWriteLock,
    private readonly outreach: OutreachExecutor,
    private readonly webhook: WebhookExecutor,
    @Inject(ENGINE_OPTIONS) private readonly options: EngineOptions,
    private readonly metrics: RunMetrics,
  ) {}

  /** Executes the run from where it stands until it waits or ends. Safe to call repeatedly. */
  async advance(runId: string, organizationId: string, cause: MessageEnvelope): Promise<void> {
    for (let step = 0; step < MAX_SYNC_STEPS; step += 1) {
      const run = await findOwnedById(this.runs, runId, organizationId);
      if (!run || run.status !== 'RUNNING' || run.waiting || !run.currentNodeId) return;
      const graph = await this.graphOf(run);
      const node = graph.nodes.get(run.currentNodeId);
      const enteredAt = new Date();
      const result = node
        ? await this.timed(node, () => this.execute(node, run, graph))
        : ({ type: 'failed', errorCode: 'INVALID_NODE_CONFIG' } as const);
      const applied = await this.apply(run, node ?? placeholderNode(run.currentNodeId), enteredAt, result, cause);
      if (applied && result.type === 'waiting') return;
    }
    await this.failRun(runId, organizationId, 'INVALID_NODE_CONFIG', undefined, cause);
  }

  /** Applies a conversation outcome to the run waiting on it (a repeated callback is a no-op). */
  async applyConversationOutcome(
    request: ConversationsOutcomeRequest,
    cause: MessageEnvelope,
  ): Promise<ConversationsOutcomeResult> {
    for (;;) {
      const run = await this.runs.findOne({ conversationIds: request.conversationId }).lean().exec();
      if (!run) return 'unknown-conversation';
      if (run.status !== 'RUNNING' || run.waiting?.conversationId !== request.conversationId) return 'already-applied';
      const graph = await this.graphOf(run);
      const node = graph.nodes.get(run.waiting.nodeId) ?? placeholderNode(run.waiting.nodeId);
      const outcome: ConversationOutcome = {
        kind: 'conversation',
        conversationId: request.conversationId,
        status: request.status,
        completedAt: new Date(request.completedAt).toISOString(),
        answers: request.answers.map((answer) => ({ ...answer })) as ConversationOutcome['answers'],
      };
      const result: NodeResult = {
        type: 'routed',
        routingEvent: conversationRoutingEvent(request.status),
        outcome,
        step: {
          conversationId: request.conversationId,
          status: request.status,
          answers: outcome.answers,
          completedAt: outcome.completedAt,
        },
      };
      const cause2 = { ...cause, organizationId: run.organizationId };
      if (await this.apply(run, node, new Date(run.waiting.enteredAt), result, cause2, { continueByCommand: true }))
        return 'resumed';
    }
  }

  /** The reply window passed without an outcome: the run fails with EXECUTOR_TIMEOUT. */
  async timeOut(runId: string, cause: MessageEnvelope): Promise<void> {
    for (;;) {
      const run = await this.runs.findById(runId).lean().exec();
      if (!run || run.status !== 'RUNNING' || !run.waiting || !run.wakeAt || run.wakeAt.getTime() > Date.now()) return;
      const graph = await this.graphOf(run);
      const node = graph.nodes.get(run.waiting.nodeId) ?? placeholderNode(run.waiting.nodeId);
      const failed: NodeResult = {
        type: 'failed',
        errorCode: 'EXECUTOR_TIMEOUT',
        step: { conversationId: run.waiting.conversationId },
      };
      if (
        await this.apply(run, node, new Date(run.waiting.enteredAt), failed, {
          ...cause,
          organizationId: run.organizationId,
        })
      )
        return;
    }
  }

  /**
   * Fails a run from outside the node flow: SYSTEM_FAILURE when the queue's retry budget is spent
   * on an infrastructure error (errorClass SYSTEM), INVALID_NODE_CONFIG for a runaway graph.
   */
  async failRun(
    runId: string,
    organizationId: string,
    errorCode: RunErrorCode,
    errorClass: RunErrorClass | undefined,
    cause: MessageEnvelope,
  ): Promise<boolean> {
    for (;;) {
      const run = await findOwnedById(this.runs, runId, organizationId);
      if (!run || run.status !== 'RUNNING') return false;
      const completedAt = new Date();
      const data: RunFailedData = {
        ...runCorrelation(run, completedAt),
        ...runTerminalFields(run, 'failed', completedAt, this.options.maxNodesBytes),
        outcome: 'failed',
        errorCode,
        ...(errorClass ? { errorClass } : {}),
        ...(run.currentNodeId ? { lastFailedNodeId: run.currentNodeId } : {}),
      };
      const origin = this.origin(run, cause);
      const event = createEnvelope(workflowEvent(WorkflowEventType.RunFailed), data, origin);
      const end = { ...endOf(run), status: 'FAILED' as const, errorCode, lastFailedNodeId: run.currentNodeId };
      const outbox = [event, ...callResultEvents(run, end, origin)].map((message) => toOutboxEntry('events', message));
      const written = await this.write(runId, () =>
        this.runs.updateOne(
          { _id: runId, version: run.version },
          {
            $set: {
              status: 'FAILED',
              outcome: 'failed',
              errorCode,
              errorClass: errorClass ?? null,
              lastFailedNodeId: run.currentNodeId,
              completedAt,
              waiting: null,
              wakeAt: null,
            },
            $inc: { version: 1 },
            $push: { outbox: { $each: outbox } },
          },
        ),
      );
      if (written.modifiedCount === 1) {
        await this.outbox.relay(this.runs.collection.collectionName, runId);
        return true;
      }
    }
  }

  private async timed(node: WorkflowNode, execute: () => Promise<NodeResult>): Promise<NodeResult> {
    const done = this.metrics.nodeStarted(node.type);
    try {
      const result = await execute();
      done(result.type);
      return result;
    } catch (error) {
      done('error');
      throw error;
    }
  }

  private async execute(node: WorkflowNode, run: Run, graph: Graph): Promise<NodeResult> {
    if (validateNodeConfig(node.type, node.config).length > 0)
      return { type: 'failed', errorCode: 'INVALID_NODE_CONFIG' };
    const scope = runScope(run);
    // Stable per visit of the node: a retried call after a crash carries the same key.
    const visit = run.nodes.filter((outcome) => outcome.nodeId === node.id).length + 1;
    const idempotencyKey = `${run._id}:${node.id}:${visit}`;
    switch (node.type) {
      case 'condition':
        return executeCondition(node, scope, (id) => graph.nodes.get(id)?.label ?? null);
      case 'output':
        return executeOutput(node, scope);
      case 'webhook':
        return this.webhook.execute(node, scope, idempotencyKey);
      case 'screeningOutreach':
      case 'engagementOutreach':
        return this.outreach.execute(node, run, idempotencyKey);
    }
  }

  /**
   * One atomic update for one node's result; false when the run moved meanwhile (reload). The
   * filter is `_id` + `version` only: the version pins the exact state that was read (RUNNING), so
   * no other field needs checking (MongoDB serves it from the `_id` index).
   */
  private async apply(
    run: Run,
    node: WorkflowNode,
    enteredAt: Date,
    result: NodeResult,
    cause: MessageEnvelope,
    options: { continueByCommand?: boolean } = {},
  ): Promise<boolean> {
    const set: Record<string, unknown> = {};
    const push: Record<string, unknown> = {};
    const outbox: OutboxEntry[] = [];
    const origin = this.origin(run, cause);

    if (result.type === 'waiting') {
      set['waiting'] = { nodeId: node.id, conversationId: result.conversationId, enteredAt };
      set['wakeAt'] = result.wakeAt;
      set['leaseUntil'] = new Date(0);
      push['conversationIds'] = result.conversationId;
    } else {
      const completedAt = new Date();
      const routed = result.type === 'routed';
      const nodeOutcome: NodeOutcome = {
        nodeId: node.id,
        nodeType: toEventNodeType(node.type),
        enteredAt: enteredAt.toISOString(),
        completedAt: completedAt.toISOString(),
        routingEvent: routed ? result.routingEvent : result.errorCode === 'EXECUTOR_TIMEOUT' ? 'onTimeout' : 'onError',
        outcome: routed ? result.outcome : { kind: 'empty' },
      };
      const nodes = [...run.nodes, nodeOutcome];
      push['nodes'] = nodeOutcome;
      push['context.traverse.order'] = node.id;
      set[`context.traverse.steps.${node.id}`] = result.step ?? null;
      set[`context.traverse.stepsInfo.${node.id}`] = {
        name: node.label ?? node.id,
        type: node.type,
        createdAt: enteredAt.toISOString(),
      };
      set['waiting'] = null;
      set['wakeAt'] = null;
      if (routed) {
        const data: NodeCompletedData = { ...runCorrelation(run, completedAt), ...nodeOutcome };
        outbox.push(
          toOutboxEntry('events', createEnvelope(workflowEvent(WorkflowEventType.NodeCompleted), data, origin)),
        );
        for (const [name, value] of Object.entries(result.vars ?? {})) set[`vars.${name}`] = value;
        if (result.output !== undefined) {
          set['output'] = result.output;
          set['outputReached'] = true;
        }
      }
      const next: NextStep = routed ? nextStep(node, result) : { kind: 'fail', errorCode: result.errorCode };
      if (next.kind === 'node') {
        set['currentNodeId'] = next.nodeId;
        if (options.continueByCommand) {
          // The outcome arrived by request/reply: the rest of the run continues from the queue,
          // so a crash right after this write cannot strand it.
          outbox.push(toOutboxEntry('commands', createEnvelope(RunsResumeCommand, { runId: run._id }, origin)));
        }
      } else if (next.kind === 'end') {
        Object.assign(set, { status: 'COMPLETED', outcome: next.outcome, completedAt, currentNodeId: null });
        const data: RunCompletedData = {
          ...runCorrelation(run, completedAt),
          ...runTerminalFields(
            { startedAt: run.startedAt, nodes },
            next.outcome,
            completedAt,
            this.options.maxNodesBytes,
          ),
          outcome: next.outcome,
        };
        outbox.push(
          toOutboxEntry('events', createEnvelope(workflowEvent(WorkflowEventType.RunCompleted), data, origin)),
        );
        const reached = routed && result.output !== undefined;
        for (const callResult of callResultEvents(
          run,
          {
            ...endOf(run),
            status: 'COMPLETED',
            outputReached: reached || run.outputReached,
            output: reached ? result.output : run.output,
          },
          origin,
        ))
          outbox.push(toOutboxEntry('events', callResult));
      } else {
        const failedStatusCode = routed ? (result.failedStatusCode ?? null) : null;
        Object.assign(set, {
          status: 'FAILED',
          outcome: 'failed',
          errorCode: next.errorCode,
          lastFailedNodeId: node.id,
          failedStatusCode,
          completedAt,
        });
        const data: RunFailedData = {
          ...runCorrelation(run, completedAt),
          ...runTerminalFields({ startedAt: run.startedAt, nodes }, 'failed', completedAt, this.options.maxNodesBytes),
          outcome: 'failed',
          errorCode: next.errorCode,
          lastFailedNodeId: node.id,
        };
        outbox.push(toOutboxEntry('events', createEnvelope(workflowEvent(WorkflowEventType.RunFailed), data, origin)));
        const end = { ...endOf(run), status: 'FAILED' as const, errorCode: next.errorCode, lastFailedNodeId: node.id };
        for (const callResult of callResultEvents(run, { ...end, failedStatusCode }, origin))
          outbox.push(toOutboxEntry('events', callResult));
      }
    }

    const update: Record<string, unknown> = { $set: set, $inc: { version: 1 } };
    if (outbox.length > 0) push['outbox'] = { $each: outbox };
    if (Object.keys(push).length > 0) update['$push'] = push;
    const written = await this.write(run._id, () =>
      this.runs.updateOne({ _id: run._id, version: run.version }, update),
    );
    if (written.modifiedCount !== 1) {
      this.logger.debug(`run ${run._id} moved while node ${node.id} ran; reloading`);
      return false;
    }
    if (outbox.length > 0) await this.outbox.relay(this.runs.collection.collectionName, run._id);
    return true;
  }

  /** Writes to a run never overlap within this process (FerretDB v1 would lose one of them). */
  private write<T>(runId: string, update: () => { exec(): Promise<T> }): Promise<T> {
    return this.writeLock.run(this.runs.collection.collectionName, runId, () => update().exec());
  }

  private origin(run: Run, cause: MessageEnvelope) {
    return { organizationId: run.organizationId, correlationId: cause.correlationId, causationId: cause.id };
  }

  /** Versions are immutable, so their parsed graphs are cached for the life of the process. */
  private async graphOf(run: Run): Promise<Graph> {
    const cached = this.graphs.get(run.workflowVersionId);
    if (cached) return cached;
    const version = await this.versions.find(run.organizationId, run.workflowVersionId);
    const definition = (version?.definition ?? { nodes: [] }) as unknown as WorkflowDefinition;
    const graph: Graph = { nodes: new Map((definition.nodes ?? []).map((node) => [node.id, node])) };
    if (version) this.graphs.set(run.workflowVersionId, graph);
    return graph;
  }
}

/** Stands in for a node id the graph does not have, so the failure can still be recorded. */
function placeholderNode(id: string): WorkflowNode {
  return { id, type: 'condition', config: {} };
}
