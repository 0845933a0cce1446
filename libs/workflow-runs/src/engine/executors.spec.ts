import type { ConfiguredNodeOf, RunScope, WorkflowNode } from '@wfp/workflow-graph';
import { executeCondition } from './condition.executor';
import { executeOutput } from './output.executor';
import { conversationRoutingEvent, nextStep } from './routing';

const scope: RunScope = {
  inputs: { score: 7, name: 'Ada' },
  vars: { ticketId: 'T-1' },
  run: { id: 'run_1', candidateProfileId: 'cp_1' },
  nodes: { screen: { outcome: { kind: 'conversation', status: 'PASSED_CRITERIA' }, answers: {} } },
};

const condition: ConfiguredNodeOf<'condition'> = {
  id: 'check',
  type: 'condition',
  config: {
    branches: [
      { when: { path: 'nodes.screen.outcome.status', op: 'eq', value: 'FAILED_CRITERIA' }, target: 'reject' },
      { when: { all: [{ path: 'inputs.score', op: 'gte', value: 5 }] }, target: 'notify' },
    ],
    else: 'fallback',
  },
};
const labels: Record<string, string> = { notify: 'Notify HR' };
const labelOf = (id: string) => labels[id] ?? null;

describe('condition executor', () => {
  it('routes to the first matching branch and reports target and label only', () => {
    const result = executeCondition(condition, scope, labelOf);
    expect(result).toEqual({
      type: 'routed',
      routingEvent: 'onConditionResolved',
      outcome: { kind: 'condition', targetNodeId: 'notify', targetNodeLabel: 'Notify HR' },
      step: { targetNodeId: 'notify', branchIndex: 1 },
      conditionTarget: 'notify',
    });
    expect(JSON.stringify(result.type === 'routed' && result.outcome)).not.toContain('gte');
  });

  it('falls back to else, and to null (end of run) without else', () => {
    const low = { ...scope, inputs: { score: 1 } };
    expect(executeCondition(condition, low, labelOf)).toMatchObject({ conditionTarget: 'fallback' });
    const noElse = { ...condition, config: { branches: condition.config.branches } };
    expect(executeCondition(noElse, low, labelOf)).toMatchObject({
      outcome: { kind: 'condition', targetNodeId: null, targetNodeLabel: null },
      conditionTarget: null,
    });
  });
});

describe('output executor', () => {
  it('renders templates with their types and stores the value as the run output', () => {
    const node: ConfiguredNodeOf<'output'> = {
      id: 'done',
      type: 'output',
      config: { value: { ticket: '{{vars.ticketId}}', score: '{{inputs.score}}', greeting: 'Hi {{inputs.name}}' } },
    };
    expect(executeOutput(node, scope)).toEqual({
      type: 'routed',
      routingEvent: 'onComplete',
      outcome: { kind: 'empty' },
      step: { value: { ticket: 'T-1', score: 7, greeting: 'Hi Ada' } },
      output: { ticket: 'T-1', score: 7, greeting: 'Hi Ada' },
    });
  });
});

describe('routing', () => {
  const routed = (routingEvent: string, extra: object = {}) =>
    ({ type: 'routed', routingEvent, outcome: { kind: 'empty' }, step: null, ...extra }) as const;
  const outreach: Pick<WorkflowNode, 'type' | 'transitions'> = {
    type: 'screeningOutreach',
    transitions: { onComplete: 'check', onOptOut: null },
  };
  const webhook = (transitions?: Record<string, string | null>): Pick<WorkflowNode, 'type' | 'transitions'> => ({
    type: 'webhook',
    transitions,
  });

  it('follows a transition to its target', () => {
    expect(nextStep(outreach, routed('onComplete'))).toEqual({ kind: 'node', nodeId: 'check' });
  });

  it('ends the run normally on a null target', () => {
    expect(nextStep(outreach, routed('onOptOut'))).toEqual({ kind: 'end', outcome: 'completed' });
  });

  it('ends with delivery_failed / opted_out when the outreach has no such transition key', () => {
    expect(nextStep(outreach, routed('onDeliveryFailed'))).toEqual({ kind: 'end', outcome: 'delivery_failed' });
    expect(nextStep({ ...outreach, transitions: {} }, routed('onOptOut'))).toEqual({
      kind: 'end',
      outcome: 'opted_out',
    });
  });

  it('fails the run on a webhook failure without onFailure, with the executor’s code', () => {
    expect(
      nextStep(webhook({ onSuccess: null }), routed('onFailure', { failureCode: 'DOWNSTREAM_SERVICE_ERROR' })),
    ).toEqual({
      kind: 'fail',
      errorCode: 'DOWNSTREAM_SERVICE_ERROR',
    });
    expect(nextStep(webhook(), routed('onFailure', { failureCode: 'EXECUTOR_FAILED' }))).toEqual({
      kind: 'fail',
      errorCode: 'EXECUTOR_FAILED',
    });
  });

  it('lets an onFailure key, even null, handle the failure', () => {
    expect(nextStep(webhook({ onFailure: null }), routed('onFailure', { failureCode: 'EXECUTOR_FAILED' }))).toEqual({
      kind: 'end',
      outcome: 'completed',
    });
    expect(nextStep(webhook({ onFailure: 'apologise' }), routed('onFailure'))).toEqual({
      kind: 'node',
      nodeId: 'apologise',
    });
  });

  it('routes conditions by their chosen target and completes at an output node', () => {
    expect(nextStep(condition, routed('onConditionResolved', { conditionTarget: 'notify' }))).toEqual({
      kind: 'node',
      nodeId: 'notify',
    });
    expect(nextStep(condition, routed('onConditionResolved', { conditionTarget: null }))).toEqual({
      kind: 'end',
      outcome: 'completed',
    });
    expect(nextStep({ type: 'output' }, routed('onComplete'))).toEqual({
      kind: 'end',
      outcome: 'completed',
    });
  });

  it('maps conversation statuses to routing events', () => {
    expect(
      ['PASSED_CRITERIA', 'FAILED_CRITERIA', 'COMPLETED', 'NOT_INTERESTED', 'OPTED_OUT', 'DELIVERY_FAILED'].map(
        conversationRoutingEvent,
      ),
    ).toEqual(['onComplete', 'onComplete', 'onComplete', 'onComplete', 'onOptOut', 'onDeliveryFailed']);
  });
});
