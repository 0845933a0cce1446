/** True for a unique-index violation (E11000), which this codebase uses as its idempotency check. */
export function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}
