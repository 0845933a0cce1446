import { conditionPathOccurrences } from './condition';
import { joinField, prefixField, type PathOccurrence } from './field-problem';
import { nodeTargets, reachableFrom, stronglyConnectedComponents } from './graph-analysis';
import { isPlainObject } from './json-value';
import { isIdentifier, isNodeId } from './names';
import { TEMPLATED_CONFIG_FIELDS, validateAgainst, validateNodeConfig } from './node-config';
import { NODE_TYPES, TRANSITION_KEYS, isNodeType, isWaitingNodeType, type NodeType } from './node-types';
import { parseScopePath } from './scope-path';
import { templatePathOccurrences } from './template';
import { InputDeclarationDto, MAX_NODE_LABEL_LENGTH, type WorkflowDefinition } from './workflow-definition';

/** One reason a definition cannot be published; `field` is a path from the definition root. */
export interface PublishProblem {
  nodeId: string | null;
  field: string;
  message: string;
}

const DEFINITION_KEYS = ['inputs', 'startNodeId', 'nodes'];
const NODE_KEYS = ['id', 'type', 'label', 'config', 'transitions'];
const PATH_SHAPES = 'inputs.<name>…, vars.<name>…, run.<field>…, nodes.<id>.outcome… or nodes.<id>.answers.<slug>…';

/** What the node checks need to know about the whole graph. */
interface GraphIndex {
  /** Node id → index of the first node with that id. */
  firstIndexById: Map<string, number>;
  nodes: unknown[];
}

/**
 * Every reason the definition cannot be published, in a stable order: definition-level
 * fields, then each node in order, then unreachable nodes, then loops that never wait.
 * Empty means publishable. Never throws, whatever the input's shape.
 */
export function validateDefinitionForPublish(definition: WorkflowDefinition): PublishProblem[] {
  const raw: unknown = definition;
  if (!isPlainObject(raw)) return [{ nodeId: null, field: '', message: 'definition must be an object' }];

  const problems: PublishProblem[] = unknownKeys(raw, DEFINITION_KEYS, '').map((problem) => ({
    nodeId: null,
    ...problem,
  }));
  problems.push(...validateInputDeclarations(raw['inputs']));

  const nodes = Array.isArray(raw['nodes']) ? (raw['nodes'] as unknown[]) : [];
  if (!Array.isArray(raw['nodes'])) {
    problems.push({ nodeId: null, field: 'nodes', message: 'nodes must be an array of nodes' });
  } else if (nodes.length === 0) {
    problems.push({ nodeId: null, field: 'nodes', message: 'nodes must contain at least one node' });
  }

  const graph: GraphIndex = { firstIndexById: indexIds(nodes), nodes };
  const startIndex = startNodeIndex(raw['startNodeId'], graph, problems);
  nodes.forEach((node, index) => problems.push(...nodeProblems(node, index, graph)));
  problems.push(...unreachableProblems(startIndex, graph), ...waitlessLoopProblems(graph));
  return problems;
}

function indexIds(nodes: unknown[]): Map<string, number> {
  const firstIndexById = new Map<string, number>();
  nodes.forEach((node, index) => {
    const id = isPlainObject(node) ? node['id'] : undefined;
    if (typeof id === 'string' && !firstIndexById.has(id)) firstIndexById.set(id, index);
  });
  return firstIndexById;
}

function startNodeIndex(startNodeId: unknown, graph: GraphIndex, problems: PublishProblem[]): number | null {
  if (typeof startNodeId !== 'string' || startNodeId.length === 0) {
    problems.push({ nodeId: null, field: 'startNodeId', message: 'startNodeId must be the id of a node' });
    return null;
  }
  const index = graph.firstIndexById.get(startNodeId);
  if (index === undefined) {
    problems.push({ nodeId: null, field: 'startNodeId', message: `startNodeId '${startNodeId}' does not name a node` });
    return null;
  }
  return index;
}

/** Problems of a definition's `inputs` map; also used to check a draft's shape at once. */
export function validateInputDeclarations(inputs: unknown): PublishProblem[] {
  if (inputs === undefined) return [];
  if (!isPlainObject(inputs)) {
    return [{ nodeId: null, field: 'inputs', message: 'inputs must be an object of input names to declarations' }];
  }
  return Object.entries(inputs).flatMap(([name, declaration]) => {
    const field = joinField('inputs', name);
    const nameProblems = isIdentifier(name)
      ? []
      : [
          {
            field,
            message: `input name '${name}' must be an identifier (letters, digits and _, not starting with a digit)`,
          },
        ];
    const declarationProblems = validateAgainst(InputDeclarationDto, declaration, 'input declaration').map(
      (problem) => ({
        field: prefixField(field, problem.field),
        message: problem.message,
      }),
    );
    return [...nameProblems, ...declarationProblems].map((problem) => ({ nodeId: null, ...problem }));
  });
}

function nodeProblems(node: unknown, index: number, graph: GraphIndex): PublishProblem[] {
  const base = joinField('nodes', index);
  if (!isPlainObject(node)) return [{ nodeId: null, field: base, message: 'node must be an object' }];
  const id = node['id'];
  const nodeId = typeof id === 'string' ? id : null;
  const problems = [...idProblems(id, index, graph, base), ...unknownKeys(node, NODE_KEYS, base)];

  const label = node['label'];
  if (label !== undefined && (typeof label !== 'string' || label.length > MAX_NODE_LABEL_LENGTH)) {
    problems.push({
      field: joinField(base, 'label'),
      message: `label must be a string of at most ${MAX_NODE_LABEL_LENGTH} characters`,
    });
  }

  const type = node['type'];
  if (!isNodeType(type)) {
    problems.push({ field: joinField(base, 'type'), message: `type must be one of: ${NODE_TYPES.join(', ')}` });
  } else {
    problems.push(
      ...transitionProblems(node, type, nodeId, graph, base),
      ...validateNodeConfig(type, node['config']).map((problem) => ({
        field: prefixField(joinField(base, 'config'), problem.field),
        message: problem.message,
      })),
      ...branchTargetProblems(node, type, nodeId, graph, base),
      ...pathProblems(node, type, graph, base),
    );
  }
  return problems.map((problem) => ({ nodeId, ...problem }));
}

type NodeFieldProblem = Omit<PublishProblem, 'nodeId'>;

function idProblems(id: unknown, index: number, graph: GraphIndex, base: string): NodeFieldProblem[] {
  const field = joinField(base, 'id');
  if (!isNodeId(id)) return [{ field, message: 'id must be 1-64 letters, digits, _ or -' }];
  const firstIndex = graph.firstIndexById.get(id) as number;
  if (firstIndex !== index) return [{ field, message: `id '${id}' is already used by nodes[${firstIndex}]` }];
  return [];
}

function unknownKeys(value: Record<string, unknown>, allowed: string[], base: string): NodeFieldProblem[] {
  return Object.keys(value)
    .filter((key) => !allowed.includes(key))
    .map((key) => ({ field: joinField(base, key), message: `property ${key} should not exist` }));
}

function transitionProblems(
  node: Record<string, unknown>,
  type: NodeType,
  nodeId: string | null,
  graph: GraphIndex,
  base: string,
): NodeFieldProblem[] {
  const transitions = node['transitions'];
  const field = joinField(base, 'transitions');
  if (transitions === undefined) return [];
  if (!isPlainObject(transitions)) {
    return [{ field, message: 'transitions must be an object of transition keys to node ids or null' }];
  }
  const allowed = TRANSITION_KEYS[type];
  return Object.entries(transitions).flatMap(([key, target]) => {
    const keyField = joinField(field, key);
    if (!allowed.includes(key)) return [{ field: keyField, message: disallowedTransitionMessage(type, key) }];
    const message = targetProblem(target, type, nodeId, graph);
    return message === null ? [] : [{ field: keyField, message }];
  });
}

function disallowedTransitionMessage(type: NodeType, key: string): string {
  if (type === 'condition')
    return `condition nodes route through config.branches and config.else, not transitions (${key})`;
  if (type === 'output') return `output nodes end the run and take no transitions (${key})`;
  return `transition ${key} is not allowed for ${type} nodes (allowed: ${TRANSITION_KEYS[type].join(', ')})`;
}

/** Outreach nodes may route to themselves (ask again); that still waits between rounds. */
function targetProblem(target: unknown, type: NodeType, nodeId: string | null, graph: GraphIndex): string | null {
  if (target === null) return null;
  if (typeof target !== 'string') return 'target must be a node id or null';
  if (!graph.firstIndexById.has(target)) return `target '${target}' does not name a node`;
  if (target === nodeId && !isWaitingNodeType(type)) return `a ${type} node cannot route to itself`;
  return null;
}

/** Existence of branch and else targets; their types are checked with the rest of the config. */
function branchTargetProblems(
  node: Record<string, unknown>,
  type: NodeType,
  nodeId: string | null,
  graph: GraphIndex,
  base: string,
): NodeFieldProblem[] {
  const config = node['config'];
  if (type !== 'condition' || !isPlainObject(config)) return [];
  const configField = joinField(base, 'config');
  const problems: NodeFieldProblem[] = [];
  const branches = Array.isArray(config['branches']) ? config['branches'] : [];
  branches.forEach((branch, branchIndex) => {
    if (!isPlainObject(branch) || typeof branch['target'] !== 'string') return;
    const message = targetProblem(branch['target'], type, nodeId, graph);
    if (message !== null) {
      problems.push({
        field: joinField(joinField(joinField(configField, 'branches'), branchIndex), 'target'),
        message,
      });
    }
  });
  if (typeof config['else'] === 'string') {
    const message = targetProblem(config['else'], type, nodeId, graph);
    if (message !== null) problems.push({ field: joinField(configField, 'else'), message });
  }
  return problems;
}

/**
 * Paths in condition leaves and templates must name real nodes (and, for answers, a question
 * that node asks). Invalid condition paths are already reported by the config check.
 */
function pathProblems(
  node: Record<string, unknown>,
  type: NodeType,
  graph: GraphIndex,
  base: string,
): NodeFieldProblem[] {
  const config = node['config'];
  if (!isPlainObject(config)) return [];
  const configField = joinField(base, 'config');
  const problems: NodeFieldProblem[] = [];

  if (type === 'condition' && Array.isArray(config['branches'])) {
    config['branches'].forEach((branch, branchIndex) => {
      if (!isPlainObject(branch)) return;
      const whenField = joinField(joinField(joinField(configField, 'branches'), branchIndex), 'when');
      for (const occurrence of conditionPathOccurrences(branch['when'], whenField)) {
        const message = referenceProblem(occurrence.path, graph);
        if (message !== null) problems.push({ field: occurrence.field, message: `path ${message}` });
      }
    });
  }

  for (const templated of TEMPLATED_CONFIG_FIELDS[type]) {
    const occurrences: PathOccurrence[] = templatePathOccurrences(config[templated], joinField(configField, templated));
    for (const occurrence of occurrences) {
      const template = `template {{${occurrence.path}}}`;
      if (parseScopePath(occurrence.path) === null) {
        problems.push({ field: occurrence.field, message: `${template} must use a path: ${PATH_SHAPES}` });
        continue;
      }
      const message = referenceProblem(occurrence.path, graph);
      if (message !== null) problems.push({ field: occurrence.field, message: `${template} ${message}` });
    }
  }
  return problems;
}

/** Why a valid scope path points at nothing in this graph, or null when it is fine. */
function referenceProblem(path: string, graph: GraphIndex): string | null {
  const parsed = parseScopePath(path);
  if (parsed?.nodeId === undefined) return null;
  const index = graph.firstIndexById.get(parsed.nodeId);
  if (index === undefined) return `${path} refers to unknown node '${parsed.nodeId}'`;
  if (parsed.answerSlug === undefined) return null;
  const target = graph.nodes[index] as Record<string, unknown>;
  if (!isNodeType(target['type']) || !isWaitingNodeType(target['type'])) {
    return `${path} reads answers of node '${parsed.nodeId}', which is not an outreach node`;
  }
  const config = target['config'];
  const questions = isPlainObject(config) && Array.isArray(config['questions']) ? config['questions'] : [];
  const asked = questions.some((question) => isPlainObject(question) && question['slug'] === parsed.answerSlug);
  return asked ? null : `${path} reads answer '${parsed.answerSlug}', which node '${parsed.nodeId}' does not ask`;
}

/** Edges by node index; only the first node with an id takes part, so duplicates add no noise. */
function edgesOf(graph: GraphIndex, include: (node: Record<string, unknown>) => boolean): number[][] {
  return graph.nodes.map((node, index) => {
    if (!isPlainObject(node) || graph.firstIndexById.get(node['id'] as string) !== index || !include(node)) return [];
    return nodeTargets(node)
      .map((target) => graph.firstIndexById.get(target))
      .filter(
        (target): target is number =>
          target !== undefined && target !== index && include(graph.nodes[target] as Record<string, unknown>),
      );
  });
}

function unreachableProblems(startIndex: number | null, graph: GraphIndex): PublishProblem[] {
  if (startIndex === null) return [];
  const reached = reachableFrom(
    startIndex,
    edgesOf(graph, () => true),
  );
  const startId = (graph.nodes[startIndex] as Record<string, unknown>)['id'] as string;
  return [...graph.firstIndexById.entries()]
    .filter(([, index]) => !reached.has(index))
    .sort(([, a], [, b]) => a - b)
    .map(([id, index]) => ({
      nodeId: id,
      field: joinField('nodes', index),
      message: `node '${id}' cannot be reached from the start node '${startId}'`,
    }));
}

/**
 * A loop of condition, webhook and output nodes would run forever inside one processor
 * step; every loop has to pass through an outreach node, which waits. Self-routing is
 * already reported per node, so only loops of two or more nodes are reported here.
 */
function waitlessLoopProblems(graph: GraphIndex): PublishProblem[] {
  const isSynchronous = (node: Record<string, unknown>) => isNodeType(node['type']) && !isWaitingNodeType(node['type']);
  return stronglyConnectedComponents(edgesOf(graph, isSynchronous))
    .filter((component) => component.length > 1)
    .sort((a, b) => a[0] - b[0])
    .map((component) => {
      const ids = component.map((index) => `'${(graph.nodes[index] as Record<string, unknown>)['id'] as string}'`);
      return {
        nodeId: (graph.nodes[component[0]] as Record<string, unknown>)['id'] as string,
        field: joinField('nodes', component[0]),
        message: `nodes ${ids.join(', ')} form a loop without an outreach node; a loop must wait for a reply somewhere`,
      };
    });
}
