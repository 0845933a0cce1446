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
 * Checks nesting depth and `__proto__` keys without recursion, so hostile input cannot
 * overflow the stack of the walkers (class-transformer included) that run after it.
 */
export function findJsonShapeProblem(value: unknown): JsonShapeProblem | null {
  const pending: Array<[unknown, number]> = [[value, 0]];
  while (pending.length > 0) {
    const [current, depth] = pending.pop() as [unknown, number];
    if (depth > MAX_JSON_DEPTH) return 'too-deep';
    if (current === null || typeof current !== 'object') continue;
    if (!Array.isArray(current) && Object.hasOwn(current, '__proto__')) return 'proto-key';
    for (const child of Object.values(current)) pending.push([child, depth + 1]);
  }
  return null;
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
