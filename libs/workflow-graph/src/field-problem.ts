/** One problem at a field path relative to whatever was validated ('' is the value itself). */
export interface FieldProblem {
  field: string;
  message: string;
}

/** A scope path used somewhere in a definition, and the field it was found at. */
export interface PathOccurrence {
  field: string;
  path: string;
}

const PLAIN_PROPERTY = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * Appends a property name or an array index (`[2]`) to a field path. Property names that
 * are not identifiers are written `["my key"]` so the path stays unambiguous.
 */
export function joinField(base: string, next: string | number): string {
  if (typeof next === 'number') return `${base}[${next}]`;
  if (next === '') return base;
  if (!PLAIN_PROPERTY.test(next)) return `${base}[${JSON.stringify(next)}]`;
  return base === '' ? next : `${base}.${next}`;
}

/** Prefixes a field path that is relative to `base` (as returned by validateNodeConfig). */
export function prefixField(base: string, relative: string): string {
  if (relative === '') return base;
  if (base === '' || relative.startsWith('[')) return `${base}${relative}`;
  return `${base}.${relative}`;
}

/** The last property of a field path, for messages that name the field (`all[0]`, `op`). */
export function fieldLabel(field: string, fallback: string): string {
  if (field === '') return fallback;
  const dot = field.lastIndexOf('.');
  return dot === -1 ? field : field.slice(dot + 1);
}
