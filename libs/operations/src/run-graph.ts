import { nodeTargets } from '@wfp/workflow-graph';
import { escapeHtml } from './html';

/** What the drawing needs of a run: its graph, the nodes it went through, where it stands. */
export interface RunPathInput {
  definition: unknown;
  /** Node ids in the order the run went through them. */
  path: string[];
  status: string;
  currentNodeId: string | null;
  lastFailedNodeId: string | null;
}

export type NodeState = 'visited' | 'failed' | 'current' | 'unvisited';

export interface PlacedNode {
  id: string;
  type: string;
  label: string;
  x: number;
  y: number;
  state: NodeState;
}

export interface PlacedEdge {
  from: string;
  to: string;
  taken: boolean;
  /** Goes to an earlier or the same column (a loop): drawn as a curve. */
  back: boolean;
}

export interface RunGraphLayout {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  width: number;
  height: number;
}

const BOX = { width: 150, height: 44 };
const GAP = { x: 56, y: 22 };
const MARGIN = 12;

interface DefinitionNode {
  id: string;
  type: string;
  label?: string;
}

function nodesOf(definition: unknown): { start: string | null; nodes: (DefinitionNode & { raw: unknown })[] } {
  const value = (definition ?? {}) as { startNodeId?: unknown; nodes?: unknown };
  const nodes = Array.isArray(value.nodes)
    ? value.nodes
        .filter((node): node is DefinitionNode => typeof (node as DefinitionNode)?.id === 'string')
        .map((node) => ({
          id: node.id,
          type: typeof node.type === 'string' ? node.type : '?',
          label: typeof node.label === 'string' ? node.label : undefined,
          raw: node as unknown,
        }))
    : [];
  return { start: typeof value.startNodeId === 'string' ? value.startNodeId : null, nodes };
}

/**
 * Columns by distance from the start node (breadth first), nodes the start cannot reach in a last
 * column; the edges the run took are those between consecutive nodes of its path.
 */
export function layoutRunGraph(input: RunPathInput): RunGraphLayout {
  const { start, nodes } = nodesOf(input.definition);
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const targets = new Map(nodes.map((node) => [node.id, nodeTargets(node.raw).filter((id) => byId.has(id))]));
  const column = new Map<string, number>();
  if (start && byId.has(start)) {
    column.set(start, 0);
    const queue = [start];
    while (queue.length > 0) {
      const id = queue.shift()!;
      for (const target of targets.get(id) ?? []) {
        if (column.has(target)) continue;
        column.set(target, column.get(id)! + 1);
        queue.push(target);
      }
    }
  }
  const lastColumn = Math.max(-1, ...column.values()) + 1;
  for (const node of nodes) if (!column.has(node.id)) column.set(node.id, lastColumn);

  const taken = new Set<string>();
  for (let index = 1; index < input.path.length; index += 1) taken.add(`${input.path[index - 1]}>${input.path[index]}`);
  const visited = new Set(input.path);
  const stateOf = (id: string): NodeState => {
    if (input.status === 'FAILED' && id === input.lastFailedNodeId) return 'failed';
    if (input.status === 'RUNNING' && id === input.currentNodeId) return 'current';
    return visited.has(id) ? 'visited' : 'unvisited';
  };

  const rows = new Map<number, number>();
  const placed: PlacedNode[] = nodes.map((node) => {
    const x = column.get(node.id)!;
    const y = rows.get(x) ?? 0;
    rows.set(x, y + 1);
    return {
      id: node.id,
      type: node.type,
      label: node.label ?? node.id,
      x: MARGIN + x * (BOX.width + GAP.x),
      y: MARGIN + y * (BOX.height + GAP.y),
      state: stateOf(node.id),
    };
  });
  const edges: PlacedEdge[] = nodes.flatMap((node) =>
    [...new Set(targets.get(node.id))].map((to) => ({
      from: node.id,
      to,
      taken: taken.has(`${node.id}>${to}`),
      back: column.get(to)! <= column.get(node.id)!,
    })),
  );
  const columns = Math.max(1, ...[...rows.keys()].map((x) => x + 1));
  const tallest = Math.max(1, ...rows.values());
  return {
    nodes: placed,
    edges,
    width: MARGIN * 2 + columns * BOX.width + (columns - 1) * GAP.x,
    height: MARGIN * 2 + tallest * BOX.height + (tallest - 1) * GAP.y,
  };
}

function truncate(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

/** The layout as an inline SVG: every node and edge, the run's path highlighted. */
export function renderRunGraphSvg(input: RunPathInput): string {
  const layout = layoutRunGraph(input);
  if (layout.nodes.length === 0) return '<p class="muted">The graph of this version is not available.</p>';
  const at = new Map(layout.nodes.map((node) => [node.id, node]));
  const edges = layout.edges
    .map((edge) => {
      const from = at.get(edge.from)!;
      const to = at.get(edge.to)!;
      const x1 = from.x + BOX.width;
      const y1 = from.y + BOX.height / 2;
      const x2 = to.x;
      const y2 = to.y + BOX.height / 2;
      const d = edge.back
        ? `M${from.x + BOX.width / 2},${from.y + BOX.height} C${from.x + BOX.width / 2},${from.y + BOX.height + 40} ${to.x + BOX.width / 2},${to.y + BOX.height + 40} ${to.x + BOX.width / 2},${to.y + BOX.height}`
        : `M${x1},${y1} L${x2},${y2}`;
      return `<path class="edge${edge.taken ? ' taken' : ''}" d="${d}" marker-end="url(#arrow)"><title>${escapeHtml(`${edge.from} → ${edge.to}`)}</title></path>`;
    })
    .join('');
  const nodes = layout.nodes
    .map(
      (node) =>
        `<g class="node ${node.state}" data-node-id="${escapeHtml(node.id)}" transform="translate(${node.x},${node.y})">` +
        `<rect width="${BOX.width}" height="${BOX.height}" rx="6"/>` +
        `<text x="8" y="18">${escapeHtml(truncate(node.label, 22))}</text>` +
        `<text class="type" x="8" y="35">${escapeHtml(node.type)}</text>` +
        `<title>${escapeHtml(`${node.id} (${node.type}): ${node.state}`)}</title></g>`,
    )
    .join('');
  return (
    `<svg class="run-graph" role="img" width="${layout.width}" height="${layout.height + 40}" viewBox="0 0 ${layout.width} ${layout.height + 40}">` +
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>' +
    `${edges}${nodes}</svg>`
  );
}
