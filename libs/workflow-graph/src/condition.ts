import { fieldLabel, joinField, type FieldProblem, type PathOccurrence } from './field-problem';
import { parseIsoDate } from './iso-date';
import { isJsonValue, isPlainObject, jsonDeepEqual } from './json-value';
import { isValidPath, readScopePath, type RunScope } from './scope-path';

export const CONDITION_OPS = ['eq', 'ne', 'in', 'nin', 'gt', 'gte', 'lt', 'lte', 'exists', 'contains'] as const;
export type ConditionOp = (typeof CONDITION_OPS)[number];

/** A root condition is level 1; each group adds a level. */
export const MAX_CONDITION_DEPTH = 10;

export interface AllCondition {
  all: Condition[];
}
export interface AnyCondition {
  any: Condition[];
}
export interface NotCondition {
  not: Condition;
}
export interface LeafCondition {
  path: string;
  op: ConditionOp;
  value?: unknown;
}
export type Condition = AllCondition | AnyCondition | NotCondition | LeafCondition;

const ORDERING_OPS: ReadonlySet<ConditionOp> = new Set(['gt', 'gte', 'lt', 'lte']);
const GROUP_KEYS = ['all', 'any', 'not'] as const;
const LEAF_KEYS = ['path', 'op', 'value'];
const SHAPES = '{ all: [...] }, { any: [...] }, { not: {...} } or { path, op, value }';

export function isConditionOp(value: unknown): value is ConditionOp {
  return typeof value === 'string' && (CONDITION_OPS as readonly string[]).includes(value);
}

/**
 * Evaluates a condition against the run scope. Values of the wrong type make a leaf false
 * (never an exception); a malformed condition anywhere makes the whole condition false.
 */
export function evaluateCondition(condition: Condition, scope: RunScope): boolean {
  return evaluate(condition, scope, 1) === true;
}

const MALFORMED = 'malformed';
type Evaluation = boolean | typeof MALFORMED;

function evaluate(condition: unknown, scope: RunScope, depth: number): Evaluation {
  if (!isPlainObject(condition) || depth > MAX_CONDITION_DEPTH) return MALFORMED;
  const shape = shapeOf(condition);
  if (shape === 'all' || shape === 'any') {
    const children = condition[shape];
    if (!Array.isArray(children) || children.length === 0) return MALFORMED;
    const results = children.map((child) => evaluate(child, scope, depth + 1));
    if (results.includes(MALFORMED)) return MALFORMED;
    return shape === 'all' ? results.every(Boolean) : results.some(Boolean);
  }
  if (shape === 'not') {
    const result = evaluate(condition['not'], scope, depth + 1);
    return result === MALFORMED ? MALFORMED : !result;
  }
  if (shape === 'leaf') return evaluateLeaf(condition, scope);
  return MALFORMED;
}

function evaluateLeaf(leaf: Record<string, unknown>, scope: RunScope): Evaluation {
  const { path, op, value: expected } = leaf;
  if (!isValidPath(path) || !isConditionOp(op)) return MALFORMED;
  const actual = readScopePath(scope, path);
  switch (op) {
    case 'eq':
    case 'ne':
      if (expected === undefined) return MALFORMED;
      return jsonDeepEqual(actual, expected) === (op === 'eq');
    case 'in':
    case 'nin':
      if (!Array.isArray(expected)) return MALFORMED;
      return expected.some((candidate) => jsonDeepEqual(actual, candidate)) === (op === 'in');
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      if (!isOrderable(expected)) return MALFORMED;
      const order = compareOrdered(actual, expected);
      if (order === null) return false;
      return op === 'gt' ? order > 0 : op === 'gte' ? order >= 0 : op === 'lt' ? order < 0 : order <= 0;
    }
    case 'exists': {
      if (expected !== undefined && typeof expected !== 'boolean') return MALFORMED;
      const present = actual !== undefined && actual !== null;
      return present === (expected ?? true);
    }
    case 'contains':
      if (expected === undefined) return MALFORMED;
      if (typeof actual === 'string') return typeof expected === 'string' && actual.includes(expected);
      if (Array.isArray(actual)) return actual.some((item) => jsonDeepEqual(item, expected));
      return false;
  }
}

function isOrderable(value: unknown): boolean {
  return (typeof value === 'number' && Number.isFinite(value)) || parseIsoDate(value) !== null;
}

/** Sign of actual - expected for two numbers or two ISO dates; null when they cannot be compared. */
function compareOrdered(actual: unknown, expected: unknown): number | null {
  if (typeof expected === 'number') {
    return typeof actual === 'number' && Number.isFinite(actual) ? Math.sign(actual - expected) : null;
  }
  const expectedTime = parseIsoDate(expected);
  const actualTime = actual instanceof Date ? actual.getTime() : parseIsoDate(actual);
  if (expectedTime === null || actualTime === null || Number.isNaN(actualTime)) return null;
  return Math.sign(actualTime - expectedTime);
}

type Shape = 'all' | 'any' | 'not' | 'leaf';

/** The one shape a condition object has, or null when it has none or several. */
function shapeOf(condition: Record<string, unknown>): Shape | null {
  const shapes: Shape[] = GROUP_KEYS.filter((key) => Object.hasOwn(condition, key));
  if (Object.hasOwn(condition, 'path') || Object.hasOwn(condition, 'op')) shapes.push('leaf');
  return shapes.length === 1 ? shapes[0] : null;
}

/**
 * Every problem in a condition, with field paths relative to `field`. Stops descending
 * past MAX_CONDITION_DEPTH so hostile nesting cannot exhaust the stack.
 */
export function conditionProblems(condition: unknown, field = '', depth = 1): FieldProblem[] {
  const label = fieldLabel(field, 'condition');
  if (!isPlainObject(condition)) return [{ field, message: `${label} must be a condition object: ${SHAPES}` }];
  const shape = shapeOf(condition);
  if (shape === null) {
    return [{ field, message: `${label} must have exactly one of: ${SHAPES}` }];
  }
  const allowedKeys = shape === 'leaf' ? LEAF_KEYS : [shape];
  const problems: FieldProblem[] = Object.keys(condition)
    .filter((key) => !allowedKeys.includes(key))
    .map((key) => ({ field: joinField(field, key), message: `property ${key} should not exist` }));

  if (shape === 'leaf') return [...problems, ...leafProblems(condition, field)];

  const childrenField = joinField(field, shape);
  if (depth >= MAX_CONDITION_DEPTH) {
    return [
      ...problems,
      { field: childrenField, message: `conditions may nest at most ${MAX_CONDITION_DEPTH} levels deep` },
    ];
  }
  if (shape === 'not') return [...problems, ...conditionProblems(condition['not'], childrenField, depth + 1)];

  const children = condition[shape];
  if (!Array.isArray(children) || children.length === 0) {
    return [...problems, { field: childrenField, message: `${shape} must be a non-empty array of conditions` }];
  }
  return [
    ...problems,
    ...children.flatMap((child, index) => conditionProblems(child, joinField(childrenField, index), depth + 1)),
  ];
}

function leafProblems(leaf: Record<string, unknown>, field: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!isValidPath(leaf['path'])) {
    problems.push({
      field: joinField(field, 'path'),
      message:
        'path must be one of inputs.<name>…, vars.<name>…, run.<field>…, nodes.<id>.outcome… or nodes.<id>.answers.<slug>…',
    });
  }
  const op = leaf['op'];
  if (!isConditionOp(op)) {
    problems.push({ field: joinField(field, 'op'), message: `op must be one of: ${CONDITION_OPS.join(', ')}` });
    return problems;
  }
  const valueMessage = leafValueProblem(op, leaf);
  if (valueMessage !== null) problems.push({ field: joinField(field, 'value'), message: valueMessage });
  return problems;
}

function leafValueProblem(op: ConditionOp, leaf: Record<string, unknown>): string | null {
  const value = leaf['value'];
  if (op === 'exists') {
    return value === undefined || typeof value === 'boolean'
      ? null
      : 'value must be a boolean (or left out) for op exists';
  }
  if (ORDERING_OPS.has(op)) {
    return isOrderable(value) ? null : `value must be a number or an ISO 8601 date string for op ${op}`;
  }
  if (!Object.hasOwn(leaf, 'value') || value === undefined) return `value is required for op ${op}`;
  if (!isJsonValue(value)) return 'value must be a JSON value';
  if ((op === 'in' || op === 'nin') && !Array.isArray(value)) return `value must be an array for op ${op}`;
  return null;
}

/** Every leaf path in a condition (valid or not), in document order. */
export function conditionPaths(condition: unknown): string[] {
  return conditionPathOccurrences(condition).map((occurrence) => occurrence.path);
}

/** Every leaf path with the field it sits at, relative to `field`. */
export function conditionPathOccurrences(condition: unknown, field = '', depth = 1): PathOccurrence[] {
  if (!isPlainObject(condition) || depth > MAX_CONDITION_DEPTH) return [];
  const shape = shapeOf(condition);
  if (shape === 'leaf') {
    const path = condition['path'];
    return typeof path === 'string' ? [{ field: joinField(field, 'path'), path }] : [];
  }
  if (shape === 'not') return conditionPathOccurrences(condition['not'], joinField(field, 'not'), depth + 1);
  if (shape === 'all' || shape === 'any') {
    const children = condition[shape];
    if (!Array.isArray(children)) return [];
    return children.flatMap((child, index) =>
      conditionPathOccurrences(child, joinField(joinField(field, shape), index), depth + 1),
    );
  }
  return [];
}
