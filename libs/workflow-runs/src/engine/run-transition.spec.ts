import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import {
  eventSchema,
  WorkflowCallResult,
  WorkflowEventType,
  type MessageEnvelope,
  type WorkflowEventType as EventType,
} from '@wfp/contracts';
import type { WorkflowNode } from '@wfp/workflow-graph';
import type { Run } from '../run.schema';
import type { NodeResult } from './node-result';
import {
  planNodeResult,
  planRunEnding,
  type PlannedRun,
  type RunMessage,
  type TransitionContext,
} from './run-transition';

const ajv = addFormats(new Ajv2020({ allErrors: true, strict: true }));
const now = new Date('2026-12-03T10:00:05.000Z');
const enteredAt = new Date('2026-12-03T10:00:04.000Z');
const context: TransitionContext = {
  origin: { organizationId: 'org_1', correlationId: 'corr_1', causationId: 'cmd_1' },
  maxNodesBytes: 200_000,
  now,
};

function run(overrides: Partial<Run> = {}): PlannedRun {
  return {
    _id: 'run_1',
    organizationId: 'org_1',
    workflowId: 'wf_1',
    workflowVersionId: 'wfv_1',
    workflowExternalId: null,
    candidateProfileId: 'cp_1',
    candidateProfileExternalId: 'ext_1',
    startedAt: new Date('2026-12-03T10:00:00.000Z'),
    call: null,
    status: 'RUNNING',
    outcome: null,
    completedAt: null,
    currentNodeId: 'hook',
    waiting: null,
    nodeAttempts: null,
    wakeAt: null,
    conversationIds: [],
    nodes: [],
    context: { initialize: { inputs: {} }, traverse: { order: [], steps: {}, stepsInfo: {} } },
    vars: { kept: 1 },
    output: null,
    outputReached: false,
    errorCode: null,
    errorClass: null,
    lastFailedNodeId: null,
    failedStatusCode: null,
    cancellationReason: null,
    ...overrides,
  } as PlannedRun;
}

const webhook = (transitions: Record<string, string | null>): WorkflowNode => ({
  id: 'hook',
  type: 'webhook',
  label: 'Notify',
  config: {},
  transitions,
});
const success: NodeResult = {
  type: 'routed',
  routingEvent: 'onSuccess',
  outcome: { kind: 'empty' },
  step: { statusCode: 200 },
  vars: { ticketId: 'T-1' },
};

/** The event messages, each checked against its catalogue JSON Schema. */
function events(messages: RunMessage[]): MessageEnvelope[] {
  return messages
    .filter((message) => message.kind === 'events')
    .map(({ envelope }) => {
      if (envelope.type !== WorkflowCallResult.type) {
        const valid = ajv.validate(eventSchema(envelope.type as EventType), envelope.payload);
        expect({ type: envelope.type, errors: ajv.errors ?? [] }).toEqual({ type: envelope.type, errors: [] });
        expect(valid).toBe(true);
      }
      return envelope;
    });
}

describe('planNodeResult', () => {
  it('records the node, moves to the next one and emits WORKFLOW_NODE_COMPLETED, without changing the run', () => {
    const before = run();
    const snapshot = JSON.stringify(before);
    const { update, messages } = planNodeResult(before, webhook({ onSuccess: 'next' }), enteredAt, success, context);
    expect(JSON.stringify(before)).toBe(snapshot);
    expect(update).toMatchObject({
      currentNodeId: 'next',
      nodeAttempts: null,
      waiting: null,
      vars: { kept: 1, ticketId: 'T-1' },
      context: {
        traverse: {
          order: ['hook'],
          steps: { hook: { statusCode: 200 } },
          stepsInfo: { hook: { name: 'Notify', type: 'webhook', createdAt: enteredAt.toISOString() } },
        },
      },
    });
    expect(update.status).toBeUndefined();
    const [completed] = events(messages);
    expect(messages).toHaveLength(1);
    expect(completed).toMatchObject({
      type: WorkflowEventType.NodeCompleted,
      organizationId: 'org_1',
      correlationId: 'corr_1',
      causationId: 'cmd_1',
      payload: {
        recordId: 'run_1',
        nodeId: 'hook',
        nodeType: 'WEBHOOK',
        routingEvent: 'onSuccess',
        enteredAt: enteredAt.toISOString(),
        completedAt: now.toISOString(),
      },
    });
  });

  it('queues the continuation when the result came by request/reply', () => {
    const { messages } = planNodeResult(run(), webhook({ onSuccess: 'next' }), enteredAt, success, context, {
      continueByCommand: true,
    });
    expect(messages.map((message) => [message.kind, message.envelope.type])).toEqual([
      ['events', WorkflowEventType.NodeCompleted],
      ['commands', 'runs.resume'],
    ]);
    expect(messages[1]?.envelope.payload).toEqual({ runId: 'run_1' });
  });

  it('ends the run as completed on a null transition, with the node in the terminal event', () => {
    const { update, messages } = planNodeResult(run(), webhook({ onSuccess: null }), enteredAt, success, context);
    expect(update).toMatchObject({ status: 'COMPLETED', outcome: 'completed', completedAt: now, currentNodeId: null });
    const [, ended] = events(messages);
    expect(ended).toMatchObject({
      type: WorkflowEventType.RunCompleted,
      payload: { outcome: 'completed', finalNodeId: 'hook', truncated: false, nodes: [{ nodeId: 'hook' }] },
    });
  });

  it('fails the run at the node when a failure has no transition, with its status code', () => {
    const failure: NodeResult = {
      type: 'routed',
      routingEvent: 'onFailure',
      outcome: { kind: 'empty' },
      step: { statusCode: 503 },
      failureCode: 'DOWNSTREAM_SERVICE_ERROR',
      failedStatusCode: 503,
    };
    const { update, messages } = planNodeResult(run(), webhook({ onSuccess: 'next' }), enteredAt, failure, context);
    expect(update).toMatchObject({
      status: 'FAILED',
      outcome: 'failed',
      errorCode: 'DOWNSTREAM_SERVICE_ERROR',
      lastFailedNodeId: 'hook',
      failedStatusCode: 503,
    });
    const [, failed] = events(messages);
    expect(failed).toMatchObject({
      type: WorkflowEventType.RunFailed,
      payload: { outcome: 'failed', errorCode: 'DOWNSTREAM_SERVICE_ERROR', lastFailedNodeId: 'hook' },
    });
    expect(failed?.payload).not.toHaveProperty('errorClass');
  });

  it('fails the run on a node that could not run, recorded as onError and without a node event', () => {
    const { update, messages } = planNodeResult(
      run(),
      webhook({}),
      enteredAt,
      { type: 'failed', errorCode: 'INVALID_NODE_CONFIG' },
      context,
    );
    expect(update).toMatchObject({ status: 'FAILED', errorCode: 'INVALID_NODE_CONFIG', lastFailedNodeId: 'hook' });
    expect(update.nodes?.[0]).toMatchObject({ nodeId: 'hook', routingEvent: 'onError', outcome: { kind: 'empty' } });
    expect(events(messages).map((envelope) => envelope.type)).toEqual([WorkflowEventType.RunFailed]);
  });

  it('waits on an outreach: stores the conversation and timer, emits nothing', () => {
    const wakeAt = new Date('2026-12-04T10:00:00.000Z');
    const { update, messages } = planNodeResult(
      run({ conversationIds: ['conv_0'] }),
      { id: 'screen', type: 'screeningOutreach' },
      enteredAt,
      { type: 'waiting', conversationId: 'conv_1', wakeAt },
      context,
    );
    expect(update).toEqual({
      nodeAttempts: null,
      waiting: { nodeId: 'screen', conversationId: 'conv_1', enteredAt },
      wakeAt,
      conversationIds: ['conv_0', 'conv_1'],
    });
    expect(messages).toEqual([]);
  });

  it('stores an output node value as the run output and completes a called run with its result', () => {
    const called = run({
      currentNodeId: 'done',
      call: { webhookEndpointId: null, webhookUrl: 'https://caller.example/result', responseMeta: { ref: 7 } },
    });
    const { update, messages } = planNodeResult(
      called,
      { id: 'done', type: 'output' },
      enteredAt,
      { type: 'routed', routingEvent: 'onComplete', outcome: { kind: 'empty' }, step: null, output: { ok: true } },
      context,
    );
    expect(update).toMatchObject({ output: { ok: true }, outputReached: true, status: 'COMPLETED' });
    const types = events(messages).map((envelope) => envelope.type);
    expect(types).toEqual([WorkflowEventType.NodeCompleted, WorkflowEventType.RunCompleted, WorkflowCallResult.type]);
    expect(messages[2]?.envelope.payload).toMatchObject({
      runId: 'run_1',
      webhookUrl: 'https://caller.example/result',
      responseMeta: { ref: 7 },
      result: { status: 'output_reached', output: { ok: true } },
    });
  });
});

describe('planRunEnding', () => {
  it('fails from outside the node flow at the node the run stood on, with the error class', () => {
    const { update, messages } = planRunEnding(
      run({
        currentNodeId: 'hook',
        nodeAttempts: { nodeId: 'hook', made: 2, nextAttemptAt: now, lastStatusCode: 503, lastError: '' },
      }),
      { outcome: 'failed', errorCode: 'SYSTEM_FAILURE', errorClass: 'SYSTEM' },
      context,
    );
    expect(update).toEqual({
      status: 'FAILED',
      outcome: 'failed',
      completedAt: now,
      waiting: null,
      wakeAt: null,
      nodeAttempts: null,
      errorCode: 'SYSTEM_FAILURE',
      errorClass: 'SYSTEM',
      lastFailedNodeId: 'hook',
      failedStatusCode: null,
    });
    const [failed] = events(messages);
    expect(failed?.payload).toMatchObject({
      errorCode: 'SYSTEM_FAILURE',
      errorClass: 'SYSTEM',
      lastFailedNodeId: 'hook',
    });
  });

  it('cancels with the reason, leaving the node it stood on, and omits an absent reason', () => {
    const withReason = planRunEnding(run(), { outcome: 'cancelled', reason: 'workflow archived' }, context);
    expect(withReason.update).toMatchObject({ status: 'CANCELLED', cancellationReason: 'workflow archived' });
    expect(withReason.update).not.toHaveProperty('currentNodeId');
    expect(events(withReason.messages)[0]).toMatchObject({
      type: WorkflowEventType.RunCancelled,
      payload: { outcome: 'cancelled', cancellationReason: 'workflow archived', nodes: [] },
    });
    const without = planRunEnding(run(), { outcome: 'cancelled', reason: null }, context);
    expect(events(without.messages)[0]?.payload).not.toHaveProperty('cancellationReason');
    expect(events(without.messages)[0]?.payload).not.toHaveProperty('finalNodeId');
  });

  it('truncates the nodes of a terminal event past the size limit and says so', () => {
    const nodes = Array.from({ length: 50 }, (_, index) => ({
      nodeId: `n${index}`,
      nodeType: 'WEBHOOK' as const,
      enteredAt: enteredAt.toISOString(),
      completedAt: now.toISOString(),
      routingEvent: 'onSuccess',
      outcome: { kind: 'empty' as const },
    }));
    const { messages } = planRunEnding(run({ nodes }), { outcome: 'opted_out' }, { ...context, maxNodesBytes: 1000 });
    const [ended] = events(messages);
    const payload = ended?.payload as { truncated: boolean; nodes: unknown[]; finalNodeId: string; outcome: string };
    expect(payload.outcome).toBe('opted_out');
    expect(payload.truncated).toBe(true);
    expect(payload.nodes.length).toBeGreaterThan(0);
    expect(payload.nodes.length).toBeLessThan(50);
    expect(payload.finalNodeId).toBe('n49');
  });
});
