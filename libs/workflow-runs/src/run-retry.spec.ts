import type { NodeOutcome } from '@wfp/contracts';
import { retryStartState } from './run-retry';

const outcome = (nodeId: string): NodeOutcome => ({
  nodeId,
  nodeType: 'WEBHOOK',
  enteredAt: '2026-11-22T10:00:00.000Z',
  completedAt: '2026-11-22T10:00:01.000Z',
  routingEvent: nodeId === 'notify' ? 'onError' : 'onSuccess',
  outcome: { kind: 'empty' },
});

const info = (name: string) => ({ name, type: 'webhook', createdAt: '2026-11-22T10:00:00.000Z' });

describe('retryStartState', () => {
  const failed = {
    lastFailedNodeId: 'notify',
    nodes: [outcome('fetch'), outcome('notify')],
    context: {
      initialize: { inputs: { jobTitle: 'RGN' } },
      traverse: {
        order: ['fetch', 'notify'],
        steps: { fetch: { statusCode: 200 }, notify: { statusCode: 503 } },
        stepsInfo: { fetch: info('fetch'), notify: info('notify') },
      },
    },
    vars: { ticketId: 'T-1' },
    output: null,
    outputReached: false,
  };

  it('resumes at the failing node with everything stored before it, and without its failed entry', () => {
    expect(retryStartState(failed)).toEqual({
      currentNodeId: 'notify',
      nodes: [outcome('fetch')],
      context: {
        initialize: { inputs: { jobTitle: 'RGN' } },
        traverse: { order: ['fetch'], steps: { fetch: { statusCode: 200 } }, stepsInfo: { fetch: info('fetch') } },
      },
      vars: { ticketId: 'T-1' },
      output: null,
      outputReached: false,
    });
  });

  it('keeps everything when the run failed outside a node step (SYSTEM_FAILURE: nothing recorded for it)', () => {
    const systemFailure = {
      ...failed,
      nodes: [outcome('fetch')],
      context: {
        ...failed.context,
        traverse: {
          order: ['fetch'],
          steps: { fetch: { statusCode: 200 } },
          stepsInfo: { fetch: info('fetch') },
        },
      },
    };
    expect(retryStartState(systemFailure)?.nodes).toEqual([outcome('fetch')]);
    expect(retryStartState(systemFailure)?.context.traverse.order).toEqual(['fetch']);
  });

  it('keeps the entry of a node visited before the failing visit', () => {
    const looped = {
      ...failed,
      nodes: [outcome('notify'), outcome('fetch'), outcome('notify')],
      context: { ...failed.context, traverse: { ...failed.context.traverse, order: ['notify', 'fetch', 'notify'] } },
    };
    const state = retryStartState(looped)!;
    expect(state.context.traverse.order).toEqual(['notify', 'fetch']);
    expect(state.context.traverse.steps['notify']).toBeDefined();
  });

  it('has nothing to resume without a failing node', () => {
    expect(retryStartState({ ...failed, lastFailedNodeId: null })).toBeNull();
  });
});
