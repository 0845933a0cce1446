import { randomBytes } from 'node:crypto';

/** Opaque, prefixed ids (`org_…`, `wf_…`): the prefix tells a reader what an id names. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}
