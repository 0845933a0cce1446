import { isDuplicateKeyError } from '@wfp/persistence';

/**
 * For `.catch()` after an unordered bulk write: swallows the error when every document it failed
 * on exists already (E11000: an event delivered again, or two upserts of one new entry at once)
 * and rethrows anything else. The other documents of the batch were written either way.
 */
export function onlyDuplicateKeys(error: unknown): void {
  const writeErrors = (error as { writeErrors?: unknown }).writeErrors;
  const failures = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [error];
  if (failures.length > 0 && failures.every((failure) => isDuplicateKeyError(failure) || hasDuplicateCode(failure)))
    return;
  throw error;
}

function hasDuplicateCode(failure: unknown): boolean {
  const err = (failure as { err?: unknown }).err;
  return isDuplicateKeyError(err);
}
