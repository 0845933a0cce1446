/**
 * Opaque page cursors: a position (the last item's sort keys) as base64url JSON. Callers only
 * pass back what they were given; anything else parses to null.
 */
export type CursorPosition = Record<string, string | number>;

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

export function parseCursor<T extends CursorPosition>(
  cursor: string,
  isPosition: (value: Record<string, unknown>) => value is T,
): T | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && isPosition(value as Record<string, unknown>)
      ? (value as T)
      : null;
  } catch {
    return null;
  }
}

/** Position in a newest-first listing ordered by (createdAt, id). */
export interface NewestFirstPosition extends CursorPosition {
  createdAt: string;
  id: string;
}

export const isNewestFirstPosition = (value: Record<string, unknown>): value is NewestFirstPosition =>
  typeof value['createdAt'] === 'string' &&
  typeof value['id'] === 'string' &&
  !Number.isNaN(Date.parse(value['createdAt']));

/** The cursor after `item` in a newest-first listing. */
export function newestFirstCursor(item: { createdAt: Date; _id: string }): string {
  return encodeCursor({ createdAt: item.createdAt.toISOString(), id: item._id });
}

/** The query filter for the items after `position` in a newest-first listing. */
export function newestFirstAfter(position: NewestFirstPosition): Record<string, unknown> {
  const createdAt = new Date(position.createdAt);
  return { $or: [{ createdAt: { $lt: createdAt } }, { createdAt, _id: { $lt: position.id } }] };
}
