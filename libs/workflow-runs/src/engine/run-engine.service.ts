import { continuing, inSpan, type SpanOptions } from '@wfp/tracing';
import { Inject, Injectable } from '@nestjs/common';
import type {
  ConversationOutcome,
  ConversationsOutcomeRequest,
  ConversationsOutcomeResult,
  MessageEnvelope,
  RunErrorClass,
  RunErrorCode,
} from '@wfp/contracts';
import { configuredNode, type ConfiguredNode, type WorkflowDefinition, type WorkflowNode } from '@wfp/workflow-graph';
import { RunMetricsService } from '../run-metrics.service';
import { RunRepository } from '../run.repository';
import type { Run } from '../run.schema';
import { VersionRegistryService } from '../version-registry.service';
import { executeCondition } from './condition.executor';
import { ENGINE_OPTIONS, type EngineOptions } from './engine.options';
import type { ExecutionResult, NodeResult } from './node-result';
import { executeOutput } from './output.executor';
import { OutreachExecutorService } from './outreach-executor.service';
import { conversationRoutingEvent } from './routing';
import { runScope } from './run-scope';
import {
  applyTransition,
  continuation,
  planNodeResult,
  planRunEnding,
  type RunMessage,
  type TransitionContext,
} from './run-transition';
import { WebhookExecutorService } from './webhook-executor.service';

/** Synchronous nodes one message may execute; publish validation rules out loops without a wait. */
const MAX_SYNC_STEPS = 500;

/** Nodes whose execution reaches outside the platform (an HTTP call, a conversation). */
const SIDE_EFFECT_TYPES = new Set<string>(['webhook', 'screeningOutreach', 'engagementOutreach']);

interface Graph {
  nodes: Map<string, WorkflowNode>;
  /** Each node typed by its config, or null when its config is not valid (INVALID_NODE_CONFIG). */
  configured: Map<string, ConfiguredNode | null>;
}

/**
 * Executes runs (DESIGN.md section 10). Pure nodes (condition, output) advance the run in memory;
 * the run is written once per node that reaches outside (before the next such node, so a crash
 * repeats at most the one call in flight, with the same idempotency key), once per wait and once
 * at its end: each write stores the node outcomes, context entries and events since the last one,
 * guarded by the run's version. A conflict means another instance moved the run: reload and decide
 * again. One message works on a run for its time budget at most (checked between outbound calls
 * and between a webhook node's attempts): then the write that stores the progress also queues a
 * `runs.resume`, and the rest runs in that message, behind what other organizations queued.
 */
@Injectable()
export class RunEngineService {
  private readonly graphs = new Map<string, Graph>();
  /** Runs this instance is advancing now: a second message for one of them waits its turn. */
  private readonly advancing = new Map<string, Promise<void>>();

  constructor(
    private readonly store: RunRepository,
    private readonly versions: VersionRegistryService,
    private readonly outreach: OutreachExecutorService,
    private readonly webhook: WebhookExecutorService,
    @Inject(ENGINE_OPTIONS) private readonly options: EngineOptions,
    private readonly metrics: RunMetricsService,
  ) {}

  /**
   * Executes the run from where it stands until it waits or ends. `run` is the state as stored
   * (just inserted, or read); safe to call repeatedly.
   */
  async advance(run: Run, cause: MessageEnvelope): Promise<void> {
    // Two messages for one run (a deferred copy and its redelivered original after a crash) must
    // not execute the same node side by side: the later one waits, then starts from what the
    // earlier one stored.
    const earlier = this.advancing.get(run._id);
    const turn = (async () => {
      if (earlier) {
        await earlier.catch(() => undefined);
        const reloaded = await this.store.load(run.organizationId, run._id);
        if (!reloaded) return;
        run = reloaded;
      }
      await this.advanceInTurn(run, cause);
    })();
    this.advancing.set(run._id, turn);
    try {
      await turn;
    } finally {
      if (this.advancing.get(run._id) === turn) this.advancing.delete(run._id);
    }
  }

  private async advanceInTurn(run: Run, cause: MessageEnvelope): Promise<void> {
    const deadline = Date.now() + this.options.messageBudgetMs;
    for (;;) {
      const outcome = await this.advanceFrom(run, cause, deadline);
      if (outcome !== 'conflict') return;
      const reloaded = await this.store.load(run.organizationId, run._id);
      if (!reloaded) return;
      run = reloaded;
    }
  }

  /** Loads the run and advances it (a resume, or a retry's first step). */
  async resume(organizationId: string, runId: string, cause: MessageEnvelope): Promise<void> {
    const run = await this.store.load(organizationId, runId);
    if (!run) return;
    await this.store.recover(run, cause.id);
    await this.advance(run, cause);
  }

  /** Applies a conversation outcome to the run waiting on it (a repeated callback is a no-op). */
  async applyConversationOutcome(
    request: ConversationsOutcomeRequest,
    cause: MessageEnvelope,
  ): Promise<ConversationsOutcomeResult> {
    // The callback may come again (same conversation): it is one operation, whatever the message.
    const operation = `outcome:${request.conversationId}`;
    for (;;) {
      const run = await this.store.findByConversation(request.conversationId);
      if (!run) return 'unknown-conversation';
      if (run.status !== 'RUNNING' || run.waiting?.conversationId !== request.conversationId) {
        await this.store.recover(run, operation);
        return 'already-applied';
      }
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
      const context = this.context(run, cause);
      const waitedSince = new Date(run.waiting.enteredAt);
      const messages = await inSpan('node.complete', this.nodeSpan(run, node.id, node.type), async () =>
        applyTransition(run, planNodeResult(run, node, waitedSince, result, context, { continueByCommand: true })),
      );
      if (await this.store.save(run, messages, operation, true)) {
        if (run.status !== 'RUNNING') this.metrics.runEnded(run.status);
        return 'resumed';
      }
    }
  }

  /** The reply window passed without an outcome: the run fails with EXECUTOR_TIMEOUT. */
  async timeOut(organizationId: string, runId: string, cause: MessageEnvelope): Promise<void> {
    const operation = `timeout:${runId}`;
    for (;;) {
      const run = await this.store.load(organizationId, runId);
      if (!run) return this.store.dropTimer(runId);
      await this.store.recover(run, operation);
      if (run.status !== 'RUNNING' || !run.waiting || !run.wakeAt || new Date(run.wakeAt).getTime() > Date.now()) {
        // Not (or no longer) waiting, or the timer is older than the current wait.
        if (!run.waiting) await this.store.dropTimer(runId);
        return;
      }
      const graph = await this.graphOf(run);
      const node = graph.nodes.get(run.waiting.nodeId) ?? placeholderNode(run.waiting.nodeId);
      const failed: NodeResult = {
        type: 'failed',
        errorCode: 'EXECUTOR_TIMEOUT',
        step: { conversationId: run.waiting.conversationId },
      };
      const waitedSince = new Date(run.waiting.enteredAt);
      const messages = await inSpan('node.complete', this.nodeSpan(run, node.id, node.type), async () =>
        applyTransition(run, planNodeResult(run, node, waitedSince, failed, this.context(run, cause))),
      );
      if (await this.store.save(run, messages, operation, true)) {
        this.metrics.runEnded(run.status);
        return;
      }
    }
  }

  /**
   * Fails a run from outside the node flow: SYSTEM_FAILURE when the queue's retry budget is spent
   * on an infrastructure error (errorClass SYSTEM).
   */
  async failRun(
    runId: string,
    organizationId: string,
    errorCode: RunErrorCode,
    errorClass: RunErrorClass | undefined,
    cause: MessageEnvelope,
  ): Promise<boolean> {
    for (;;) {
      const run = await this.store.load(organizationId, runId);
      if (!run || run.status !== 'RUNNING') return false;
      const wasWaiting = run.waiting !== null;
      const messages = applyTransition(
        run,
        planRunEnding(run, { outcome: 'failed', errorCode, errorClass }, this.context(run, cause)),
      );
      if (await this.store.save(run, messages, cause.id, wasWaiting)) {
        this.metrics.runEnded(run.status);
        return true;
      }
    }
  }

  /** Advances until the run waits, ends or moved under us ('conflict'). */
  private async advanceFrom(run: Run, cause: MessageEnvelope, deadline: number): Promise<'done' | 'conflict'> {
    if (run.status !== 'RUNNING' || run.waiting || !run.currentNodeId) return 'done';
    const graph = await this.graphOf(run);
    let messages: RunMessage[] = [];
    let unstoredCalls = 0;
    let changed = false;
    const flush = async (): Promise<boolean> => {
      const stored = await this.store.save(run, messages, cause.id, false);
      if (stored && run.status !== 'RUNNING') this.metrics.runEnded(run.status);
      messages = [];
      unstoredCalls = 0;
      changed = false;
      return stored;
    };
    let calls = 0;
    for (let step = 0; step < MAX_SYNC_STEPS; step += 1) {
      if (run.status !== 'RUNNING' || run.waiting || !run.currentNodeId) break;
      const node = graph.nodes.get(run.currentNodeId);
      const reachesOut = node !== undefined && SIDE_EFFECT_TYPES.has(node.type);
      if (reachesOut && calls > 0 && Date.now() >= deadline) {
        // The budget is spent: the rest of the run follows in a message of its own.
        messages.push(continuation(run, this.context(run, cause)));
        return (await flush()) ? 'done' : 'conflict';
      }
      // Store the previous call's result before making the next one.
      if (reachesOut && unstoredCalls > 0 && !(await flush())) return 'conflict';
      const enteredAt = new Date();
      const nodeId = run.currentNodeId;
      // The node's events are made inside its span, so their deliveries are its children.
      const planned = await inSpan('node.execute', this.nodeSpan(run, nodeId, node?.type), async () => {
        const result: ExecutionResult = node
          ? await this.timed(node, () => this.execute(node, run, graph, deadline))
          : { type: 'failed', errorCode: 'INVALID_NODE_CONFIG' };
        if (result.type === 'unfinished') return result;
        return applyTransition(
          run,
          planNodeResult(run, node ?? placeholderNode(nodeId), enteredAt, result, this.context(run, cause)),
        );
      });
      if (reachesOut) calls += 1;
      if (!Array.isArray(planned)) {
        // Its remaining attempts follow in the next message, which picks them up from the run.
        run.nodeAttempts = planned.attempts;
        messages.push(continuation(run, this.context(run, cause)));
        return (await flush()) ? 'done' : 'conflict';
      }
      messages.push(...planned);
      changed = true;
      if (reachesOut) unstoredCalls += 1;
    }
    if (run.status === 'RUNNING' && !run.waiting && run.currentNodeId) {
      // A runaway graph (publish validation should have refused it).
      const ending = planRunEnding(
        run,
        { outcome: 'failed', errorCode: 'INVALID_NODE_CONFIG' },
        this.context(run, cause),
      );
      messages.push(...applyTransition(run, ending));
      changed = true;
    }
    if (changed && !(await flush())) return 'conflict';
    return 'done';
  }

  private context(run: Run, cause: MessageEnvelope): TransitionContext {
    return {
      origin: { organizationId: run.organizationId, correlationId: cause.correlationId, causationId: cause.id },
      maxNodesBytes: this.options.maxNodesBytes,
      now: new Date(),
    };
  }

  /** A node's span: in the run's trace, whichever message advances the run now. */
  private nodeSpan(run: Run, nodeId: string, nodeType: string | undefined): SpanOptions {
    return {
      attributes: {
        organizationId: run.organizationId,
        workflowId: run.workflowId,
        workflowVersionId: run.workflowVersionId,
        runId: run._id,
        candidateProfileId: run.candidateProfileId,
        nodeId,
        nodeType,
      },
      ...continuing(run.trace),
    };
  }

  private async timed(node: WorkflowNode, execute: () => Promise<ExecutionResult>): Promise<ExecutionResult> {
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

  private async execute(stored: WorkflowNode, run: Run, graph: Graph, deadline: number): Promise<ExecutionResult> {
    const node = graph.configured.get(stored.id);
    if (!node) return { type: 'failed', errorCode: 'INVALID_NODE_CONFIG' };
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
        return this.webhook.execute(node, scope, idempotencyKey, { previous: run.nodeAttempts, deadline });
      case 'screeningOutreach':
      case 'engagementOutreach':
        return this.outreach.execute(node, run, idempotencyKey);
    }
  }

  /** Versions are immutable, so their parsed graphs are cached for the life of the process. */
  private async graphOf(run: Run): Promise<Graph> {
    const cached = this.graphs.get(run.workflowVersionId);
    if (cached) return cached;
    const version = await this.versions.find(run.organizationId, run.workflowVersionId);
    const definition = (version?.definition ?? { nodes: [] }) as unknown as WorkflowDefinition;
    const nodes = definition.nodes ?? [];
    // Configs are checked once per version, not at every execution.
    const graph: Graph = {
      nodes: new Map(nodes.map((node) => [node.id, node])),
      configured: new Map(nodes.map((node) => [node.id, configuredNode(node)])),
    };
    if (version) this.graphs.set(run.workflowVersionId, graph);
    return graph;
  }
}

/** Stands in for a node id the graph does not have, so the failure can still be recorded. */
function placeholderNode(id: string): WorkflowNode {
  return { id, type: 'condition', config: {} };
}
