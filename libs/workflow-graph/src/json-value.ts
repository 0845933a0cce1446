import { joinField, type FieldProblem } from './field-problem';

/** Definitions are stored and sent as JSON; deeper nesting than this is refused rather than walked. */
export const MAX_JSON_DEPTH = 64;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** True for null, booleans, finite numbers, strings, and arrays / plain objects of those. */
export function isJsonValue(value: unknown, depth = 0): boolean {
  if (depth > MAX_JSON_DEPTH) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((item) => isJsonValue(item, depth + 1));
  if (isPlainObject(value)) return Object.values(value).every((item) => isJsonValue(item, depth + 1));
  return false;
}

export type JsonShapeProblem = 'too-deep' | 'proto-key';

/**
 * The first place in a JSON value nested deeper than MAX_JSON_DEPTH, or holding an object key
 * that `badKey` refuses, with its path below `field`. Walks without recursion, so hostile input
 * cannot overflow the stack of the walkers (class-transformer included) that run after it.
 */
function firstJsonProblem(
  value: unknown,
  field: string,
  badKey: (key: string) => boolean,
): { kind: 'too-deep' | 'bad-key'; field: string } | null {
  const pending: Array<[unknown, number, string]> = [[value, 0, field]];
  while (pending.length > 0) {
    const [current, depth, path] = pending.pop() as [unknown, number, string];
    if (depth > MAX_JSON_DEPTH) return { kind: 'too-deep', field: path };
    if (current === null || typeof current !== 'object') continue;
    const isArray = Array.isArray(current);
    for (const [key, child] of Object.entries(current)) {
      const childPath = joinField(path, isArray ? Number(key) : key);
      if (!isArray && badKey(key)) return { kind: 'bad-key', field: childPath };
      pending.push([child, depth + 1, childPath]);
    }
  }
  return null;
}

/** Checks nesting depth and `__proto__` keys (see firstJsonProblem). */
export function findJsonShapeProblem(value: unknown): JsonShapeProblem | null {
  const problem = firstJsonProblem(value, '', (key) => key === '__proto__');
  if (!problem) return null;
  return problem.kind === 'too-deep' ? 'too-deep' : 'proto-key';
}

/** Whether a document store keeps a key as data: not an operator (`$…`), a path (`a.b`) or with NUL. */
export function isStorableKey(key: string): boolean {
  return !key.startsWith('$') && !key.includes('.') && !key.includes('\0') && key !== '__proto__';
}

/**
 * The first reason a value cannot be stored as a document field as it is: nested deeper than
 * MAX_JSON_DEPTH, or a key the store refuses (see isStorableKey). The problem names the field by
 * its path below `field`.
 */
export function storableJsonProblem(value: unknown, field: string): FieldProblem | null {
  const problem = firstJsonProblem(value, field, (key) => !isStorableKey(key));
  if (!problem) return null;
  return problem.kind === 'too-deep'
    ? { field: problem.field, message: `${problem.field} is nested deeper than ${MAX_JSON_DEPTH} levels` }
    : {
        field: problem.field,
        message: `${problem.field}: a key may not start with $ or contain . (it cannot be stored)`,
      };
}

/** Kept as is when storable, else as its JSON text (e.g. a response body with `$schema` keys). */
export function storableJson(value: unknown): unknown {
  if (storableJsonProblem(value, 'value') === null) return value;
  try {
    return JSON.stringify(value) ?? null;
  } catch {
    return null;
  }
}

/**
 * Deep equality as JSON sees it: arrays by element, objects by key regardless of order,
 * keys holding undefined ignored, dates by instant.
 */
export function jsonDeepEqual(left: unknown, right: unknown, depth = 0): boolean {
  if (left === right) return true;
  if (depth > MAX_JSON_DEPTH) return false;
  if (left instanceof Date || right instanceof Date) {
    return left instanceof Date && right instanceof Date && left.getTime() === right.getTime();
  }
  if (Array.isArray(left) || Array.isArray(right)) {
    return (
      Array.isArray(left) &&
      Array.isArray(right) &&
      left.length === right.length &&
      left.every((item, index) => jsonDeepEqual(item, right[index], depth + 1))
    );
  }
  if (isPlainObject(left) && isPlainObject(right)) {
    const leftKeys = definedKeys(left);
    const rightKeys = definedKeys(right);
    return (
      leftKeys.length === rightKeys.length &&
      leftKeys.every((key) => Object.hasOwn(right, key) && jsonDeepEqual(left[key], right[key], depth + 1))
    );
  }
  return false;
}

function definedKeys(value: Record<string, unknown>): string[] {
  return Object.keys(value).filter((key) => value[key] !== undefined);
}
