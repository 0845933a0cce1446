import { layoutRunGraph, renderRunGraphSvg } from './run-graph';

const definition = {
  startNodeId: 'screen',
  nodes: [
    { id: 'screen', type: 'screeningOutreach', label: 'Screen', transitions: { onComplete: 'check' } },
    {
      id: 'check',
      type: 'condition',
      config: { branches: [{ when: { all: [] }, target: 'notify' }], else: 'reject' },
    },
    { id: 'notify', type: 'webhook', transitions: { onSuccess: 'done', onFailure: 'screen' } },
    { id: 'reject', type: 'output', config: { value: 'no' } },
    { id: 'done', type: 'output', config: { value: 'yes' } },
    { id: 'orphan', type: 'output', config: { value: 0 } },
  ],
};

describe('layoutRunGraph', () => {
  const layout = layoutRunGraph({
    definition,
    path: ['screen', 'check', 'notify'],
    status: 'FAILED',
    currentNodeId: null,
    lastFailedNodeId: 'notify',
  });
  const node = (id: string) => layout.nodes.find((n) => n.id === id)!;

  it('puts nodes in columns by distance from the start, unreachable ones last', () => {
    expect(node('screen').x).toBeLessThan(node('check').x);
    expect(node('check').x).toBeLessThan(node('notify').x);
    expect(node('notify').x).toBe(node('reject').x);
    expect(node('notify').y).not.toBe(node('reject').y);
    expect(node('orphan').x).toBeGreaterThan(node('done').x);
  });

  it("marks the run's path, its failed node and the edges it took", () => {
    expect(layout.nodes.map((n) => [n.id, n.state])).toEqual([
      ['screen', 'visited'],
      ['check', 'visited'],
      ['notify', 'failed'],
      ['reject', 'unvisited'],
      ['done', 'unvisited'],
      ['orphan', 'unvisited'],
    ]);
    expect(layout.edges.filter((e) => e.taken).map((e) => `${e.from}>${e.to}`)).toEqual([
      'screen>check',
      'check>notify',
    ]);
    expect(layout.edges.find((e) => e.from === 'notify' && e.to === 'screen')).toMatchObject({ back: true });
  });

  it('shows where a running run stands', () => {
    const running = layoutRunGraph({
      definition,
      path: ['screen'],
      status: 'RUNNING',
      currentNodeId: 'check',
      lastFailedNodeId: null,
    });
    expect(running.nodes.find((n) => n.id === 'check')!.state).toBe('current');
  });
});

describe('renderRunGraphSvg', () => {
  it('escapes labels and ids that come from users', () => {
    const svg = renderRunGraphSvg({
      definition: { startNodeId: 'a', nodes: [{ id: 'a', type: 'output', label: '<script>alert(1)</script>' }] },
      path: ['a'],
      status: 'COMPLETED',
      currentNodeId: null,
      lastFailedNodeId: null,
    });
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&lt;script&gt;');
    expect(svg).toContain('class="node visited"');
  });

  it('says so when the graph is not available', () => {
    expect(
      renderRunGraphSvg({ definition: null, path: [], status: 'RUNNING', currentNodeId: null, lastFailedNodeId: null }),
    ).toContain('not available');
  });
});
