import { isPlainObject } from './json-value';

/**
 * Every node id a node can route to, in declaration order: transition targets, then (for
 * conditions) branch targets and `else`. Read loosely, so a partly invalid node still
 * contributes its edges and one mistake does not make the rest of the graph look unreachable.
 */
export function nodeTargets(node: unknown): string[] {
  if (!isPlainObject(node)) return [];
  const targets: unknown[] = isPlainObject(node['transitions']) ? Object.values(node['transitions']) : [];
  const config = node['config'];
  if (node['type'] === 'condition' && isPlainObject(config)) {
    if (Array.isArray(config['branches'])) {
      for (const branch of config['branches']) if (isPlainObject(branch)) targets.push(branch['target']);
    }
    targets.push(config['else']);
  }
  return targets.filter((target): target is string => typeof target === 'string');
}

/** Indexes reachable from `start` following `edges` (adjacency lists of indexes). */
export function reachableFrom(start: number, edges: readonly number[][]): Set<number> {
  const reached = new Set<number>([start]);
  const pending = [start];
  while (pending.length > 0) {
    for (const next of edges[pending.pop() as number]) {
      if (!reached.has(next)) {
        reached.add(next);
        pending.push(next);
      }
    }
  }
  return reached;
}

/**
 * Tarjan's strongly connected components, iterative so a long chain of nodes cannot
 * overflow the stack. Components come out in a deterministic order for the same input.
 */
export function stronglyConnectedComponents(edges: readonly number[][]): number[][] {
  const count = edges.length;
  const order = new Array<number>(count).fill(-1);
  const low = new Array<number>(count).fill(0);
  const onStack = new Array<boolean>(count).fill(false);
  const stack: number[] = [];
  const components: number[][] = [];
  let visited = 0;

  const open = (node: number, work: Array<[number, number]>) => {
    order[node] = low[node] = visited++;
    stack.push(node);
    onStack[node] = true;
    work.push([node, 0]);
  };

  for (let root = 0; root < count; root++) {
    if (order[root] !== -1) continue;
    const work: Array<[number, number]> = [];
    open(root, work);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const [node, edgeIndex] = frame;
      if (edgeIndex < edges[node].length) {
        frame[1] += 1;
        const next = edges[node][edgeIndex];
        if (order[next] === -1) open(next, work);
        else if (onStack[next]) low[node] = Math.min(low[node], order[next]);
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1][0];
        low[parent] = Math.min(low[parent], low[node]);
      }
      if (low[node] === order[node]) {
        const component: number[] = [];
        let member: number;
        do {
          member = stack.pop() as number;
          onStack[member] = false;
          component.push(member);
        } while (member !== node);
        components.push(component.sort((a, b) => a - b));
      }
    }
  }
  return components;
}
