/** True for a unique-index violation (E11000), which this codebase uses as its idempotency check. */
export function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}

/**
 * Server error codes for a document the store refuses as it is: retrying sends the same document
 * and fails the same way. BadValue (2) is what FerretDB answers for `$`-prefixed or dotted keys;
 * MongoDB uses the specific codes, Overflow (15) for nesting past its limit and the size codes for
 * documents over 16 MB.
 */
const DOCUMENT_REFUSED_CODES = new Set([2, 15, 52, 56, 57, 10334, 17419]);

/** True when the store refused a document itself (see DOCUMENT_REFUSED_CODES): not worth a retry. */
export function isDocumentRefusedError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, name } = error as { code?: unknown; name?: unknown };
  return name === 'MongoServerError' && typeof code === 'number' && DOCUMENT_REFUSED_CODES.has(code);
}
