import { createHash, randomBytes } from 'node:crypto';

/** Opaque, prefixed ids (`org_…`, `wf_…`): the prefix tells a reader what an id names. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}

/**
 * The id of the run that item `index` of run request `requestId` gets when it starts. Derived,
 * not random, so every service (and a redelivered message) names the same run.
 */
export function runIdFor(requestId: string, index: number): string {
  return `run_${createHash('sha256').update(`${requestId}:${index}`).digest('hex').slice(0, 24)}`;
}

/** The stable dedup key of item `index` of a run request (recordId of its resolution failure). */
export function contactDedupKey(organizationId: string, requestId: string, index: number): string {
  return `contact_${createHash('sha256').update(`${organizationId}:${requestId}:${index}`).digest('hex').slice(0, 24)}`;
}

/** The id of the run that retries a failed run: derived, so repeated or concurrent retries name one run. */
export function retryRunIdFor(failedRunId: string): string {
  return `run_${createHash('sha256').update(`${failedRunId}:retry`).digest('hex').slice(0, 24)}`;
}
