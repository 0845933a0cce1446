import type { NodeOutcome } from '@wfp/contracts';
import { runTerminalFields, truncateNodes } from './run-events';

const node = (nodeId: string, padding = 0): NodeOutcome => ({
  nodeId,
  nodeType: 'CONDITION',
  enteredAt: '2026-01-01T00:00:00.000Z',
  completedAt: '2026-01-01T00:00:01.000Z',
  routingEvent: 'onConditionResolved',
  outcome: { kind: 'condition', targetNodeId: 'x'.repeat(padding), targetNodeLabel: null },
});

describe('truncateNodes', () => {
  it('keeps everything that fits', () => {
    const nodes = [node('a'), node('b')];
    expect(truncateNodes(nodes, JSON.stringify(nodes).length)).toEqual({ nodes, truncated: false });
  });

  it('keeps the earliest nodes that fit and says it truncated', () => {
    const nodes = [node('a', 100), node('b', 100), node('c', 100)];
    const limit = JSON.stringify(nodes.slice(0, 2)).length;
    const result = truncateNodes(nodes, limit);
    expect(result.nodes.map((n) => n.nodeId)).toEqual(['a', 'b']);
    expect(result.truncated).toBe(true);
    expect(JSON.stringify(result.nodes).length).toBeLessThanOrEqual(limit);
  });
});

describe('runTerminalFields', () => {
  const startedAt = new Date('2026-01-01T00:00:00.000Z');
  const completedAt = new Date('2026-01-01T00:05:00.000Z');

  it('names the last traversed node as finalNodeId', () => {
    const fields = runTerminalFields({ startedAt, nodes: [node('a'), node('b')] }, 'completed', completedAt);
    expect(fields).toEqual({
      startedAt: '2026-01-01T00:00:00.000Z',
      completedAt: '2026-01-01T00:05:00.000Z',
      finalNodeId: 'b',
      outcome: 'completed',
      truncated: false,
      nodes: [node('a'), node('b')],
    });
  });

  it('omits finalNodeId when no node was traversed', () => {
    expect(runTerminalFields({ startedAt, nodes: [] }, 'cancelled', completedAt)).not.toHaveProperty('finalNodeId');
  });
});
