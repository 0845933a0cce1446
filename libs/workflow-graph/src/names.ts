/** Node ids appear in paths (`nodes.<id>.outcome`) and event payloads, so they stay URL- and path-safe. */
export const NODE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Input names and variable names: usable as a path segment and as a JS-style identifier. */
export const IDENTIFIER_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Question slugs: lowercase kebab-case, 1-64 characters. */
export const QUESTION_SLUG_PATTERN = /^(?=.{1,64}$)[a-z0-9]+(?:-[a-z0-9]+)*$/;

export function isNodeId(value: unknown): value is string {
  return typeof value === 'string' && NODE_ID_PATTERN.test(value);
}

export function isIdentifier(value: unknown): value is string {
  return typeof value === 'string' && IDENTIFIER_PATTERN.test(value);
}

export function isQuestionSlug(value: unknown): value is string {
  return typeof value === 'string' && QUESTION_SLUG_PATTERN.test(value);
}
