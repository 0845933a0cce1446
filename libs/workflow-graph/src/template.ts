import { joinField, type PathOccurrence } from './field-problem';
import { MAX_JSON_DEPTH, isPlainObject } from './json-value';
import { readScopePath, type RunScope } from './scope-path';

/** `{{ path }}`; the path is group 1, without the surrounding whitespace. */
export const TEMPLATE_PATTERN = /\{\{\s*([^{}]*?)\s*\}\}/g;
const WHOLE_TEMPLATE = /^\{\{\s*([^{}]*?)\s*\}\}$/;

/**
 * Replaces `{{path}}` templates in every string of a JSON-like value. A string that is exactly
 * one template becomes the resolved value itself, keeping its type (undefined when missing);
 * templates inside longer strings become text (objects as JSON, missing or null as '').
 * Paths are only looked up, never evaluated.
 */
export function renderTemplate(value: unknown, scope: RunScope): unknown {
  return render(value, scope, 0);
}

function render(value: unknown, scope: RunScope, depth: number): unknown {
  if (typeof value === 'string') return renderString(value, scope);
  // Publish validation refuses deeper values; past the limit they are passed through untouched.
  if (depth >= MAX_JSON_DEPTH) return value;
  if (Array.isArray(value)) return value.map((item) => render(item, scope, depth + 1));
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, render(item, scope, depth + 1)]));
  }
  return value;
}

function renderString(text: string, scope: RunScope): unknown {
  const whole = WHOLE_TEMPLATE.exec(text);
  if (whole !== null) return readScopePath(scope, whole[1]);
  return text.replace(TEMPLATE_PATTERN, (_match, path: string) => templateText(readScopePath(scope, path)));
}

/**
 * Replaces every `{{path}}` in `text` with the value's text passed through `encode`, which is told
 * where in `text` the template starts (so that a URL can encode a value for its position).
 */
export function renderTextTemplate(
  text: string,
  scope: RunScope,
  encode: (value: string, offset: number) => string,
): string {
  return text.replace(TEMPLATE_PATTERN, (_match, path: string, offset: number) =>
    encode(templateText(readScopePath(scope, path)), offset),
  );
}

/** A value as text inside a longer string: objects as JSON, missing or null as ''. */
export function templateText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString();
  if (typeof value === 'object') {
    try {
      return JSON.stringify(value) ?? '';
    } catch {
      // Scope data comes from JSON, so this only guards against in-memory cycles or BigInts.
      return '';
    }
  }
  return String(value);
}

/** Every distinct path used in the templates of a value, in document order. */
export function templatePaths(value: unknown): string[] {
  return [...new Set(templatePathOccurrences(value).map((occurrence) => occurrence.path))];
}

/** Every template path with the field of the string it appears in, relative to `field`. */
export function templatePathOccurrences(value: unknown, field = '', depth = 0): PathOccurrence[] {
  if (typeof value === 'string') {
    return [...value.matchAll(TEMPLATE_PATTERN)].map((match) => ({ field, path: match[1] }));
  }
  if (depth >= MAX_JSON_DEPTH) return [];
  if (Array.isArray(value)) {
    return value.flatMap((item, index) => templatePathOccurrences(item, joinField(field, index), depth + 1));
  }
  if (isPlainObject(value)) {
    return Object.entries(value).flatMap(([key, item]) =>
      templatePathOccurrences(item, joinField(field, key), depth + 1),
    );
  }
  return [];
}
