import { joinField, type FieldProblem } from './field-problem';
import type { InputDeclaration, InputType } from './workflow-definition';

/** Inputs every call may carry whatever the workflow declares: where to POST the call's result. */
export const RESERVED_INPUTS = ['webhookUrl'] as const;

function typeOf(value: unknown): InputType | 'null' | 'other' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const type = typeof value;
  if (type === 'string' || type === 'number' || type === 'boolean') return type;
  if (type === 'object') return 'object';
  return 'other';
}

/**
 * Checks call inputs against the workflow's declared inputs (pure): required ones present, each of
 * its declared type, nothing undeclared (but the reserved `webhookUrl`, an absolute http(s) URL).
 * Problems name `inputs.<name>`.
 */
export function inputProblems(
  declarations: Record<string, InputDeclaration> | undefined,
  inputs: Record<string, unknown>,
): FieldProblem[] {
  const declared = declarations ?? {};
  const problems: FieldProblem[] = [];
  for (const [name, declaration] of Object.entries(declared)) {
    const field = joinField('inputs', name);
    const value = Object.hasOwn(inputs, name) ? inputs[name] : undefined;
    if (value === undefined) {
      if (declaration.required) problems.push({ field, message: `${field} is required` });
      continue;
    }
    if (typeOf(value) !== declaration.type)
      problems.push({
        field,
        message: `${field} must be ${/^[ao]/.test(declaration.type) ? 'an' : 'a'} ${declaration.type}`,
      });
  }
  for (const [name, value] of Object.entries(inputs)) {
    // Own keys only: `toString` or `constructor` must not pass as declared through the prototype.
    if (Object.hasOwn(declared, name)) continue;
    const field = joinField('inputs', name);
    if (name === 'webhookUrl') {
      if (!isHttpUrl(value)) problems.push({ field, message: `${field} must be an absolute http(s) URL` });
      continue;
    }
    problems.push({ field, message: `${field} is not an input of this workflow` });
  }
  return problems;
}

function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
