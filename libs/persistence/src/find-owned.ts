import type { Model, ProjectionType } from 'mongoose';

/**
 * Reads a document by `_id` and returns it only when it belongs to the organization. The filter
 * is `_id` alone on purpose: FerretDB v1 (the embedded store) uses its primary key only for a
 * filter that is exactly `{ _id }`, and scans the whole collection for anything else. MongoDB is
 * indifferent. Tenant isolation is kept: another organization's document reads as absent.
 */
export async function findOwnedById<T extends { organizationId: string }>(
  model: Model<T>,
  id: string,
  organizationId: string,
  projection?: ProjectionType<T>,
): Promise<T | null> {
  const document = (await model.findById(id, projection).lean().exec()) as T | null;
  return document && document.organizationId === organizationId ? document : null;
}
