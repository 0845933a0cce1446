import { isIdentifier, isNodeId, isQuestionSlug } from './names';

/** What paths and templates can read while a run executes. */
export interface RunScope {
  inputs: Record<string, unknown>;
  vars: Record<string, unknown>;
  run: Record<string, unknown>;
  nodes: Record<string, { outcome?: unknown; answers?: Record<string, unknown> }>;
}

export type ScopeRoot = 'inputs' | 'vars' | 'run' | 'nodes';

export interface ParsedScopePath {
  root: ScopeRoot;
  segments: string[];
  /** Set for `nodes.<id>...` paths. */
  nodeId?: string;
  /** Set for `nodes.<id>.answers.<slug>...` paths. */
  answerSlug?: string;
}

export const MAX_PATH_LENGTH = 512;

/** Segments that would reach into an object's prototype instead of its data. */
const FORBIDDEN_SEGMENTS: ReadonlySet<string> = new Set(['__proto__', 'prototype', 'constructor']);

const ARRAY_INDEX = /^(?:0|[1-9][0-9]*)$/;

/**
 * A dot path into JSON data (`users.0.title`): non-empty segments without whitespace
 * and without prototype names. Used for `setVariables[].name`.
 */
export function isValidDotPath(path: unknown): path is string {
  return splitDotPath(path) !== null;
}

function splitDotPath(path: unknown): string[] | null {
  if (typeof path !== 'string' || path.length === 0 || path.length > MAX_PATH_LENGTH) return null;
  const segments = path.split('.');
  const valid = segments.every(
    (segment) => segment.length > 0 && !/[\s{}]/.test(segment) && !FORBIDDEN_SEGMENTS.has(segment),
  );
  return valid ? segments : null;
}

/**
 * Parses a run-scope path: `inputs.<name>…`, `vars.<name>…`, `run.<field>…`,
 * `nodes.<id>.outcome…` or `nodes.<id>.answers.<slug>…`. Null when the path is not one of those.
 */
export function parseScopePath(path: unknown): ParsedScopePath | null {
  const segments = splitDotPath(path);
  if (segments === null || segments.length < 2) return null;
  const [root, second, third, fourth] = segments;
  switch (root) {
    case 'inputs':
    case 'vars':
    case 'run':
      return isIdentifier(second) ? { root, segments } : null;
    case 'nodes':
      if (!isNodeId(second)) return null;
      if (third === 'outcome') return { root, segments, nodeId: second };
      if (third === 'answers' && isQuestionSlug(fourth)) return { root, segments, nodeId: second, answerSlug: fourth };
      return null;
    default:
      return null;
  }
}

export function isValidPath(path: unknown): path is string {
  return parseScopePath(path) !== null;
}

/**
 * Reads a dot path from JSON-like data; array elements are addressed by index (`users.0.title`).
 * Returns undefined when any step is missing. Only own properties are read, so
 * `__proto__`, `constructor` and friends never leak prototype values.
 */
export function resolvePath(source: unknown, dotPath: string): unknown {
  if (typeof dotPath !== 'string' || dotPath.length === 0) return undefined;
  let current: unknown = source;
  for (const segment of dotPath.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    if (segment.length === 0 || FORBIDDEN_SEGMENTS.has(segment)) return undefined;
    if (Array.isArray(current)) {
      if (!ARRAY_INDEX.test(segment)) return undefined;
      current = current[Number(segment)];
      continue;
    }
    if (!Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/** Reads a run-scope path; undefined for invalid paths as well as for missing values. */
export function readScopePath(scope: RunScope, path: string): unknown {
  return isValidPath(path) ? resolvePath(scope, path) : undefined;
}
