import type { AnyKeys, Model, ProjectionType, QueryFilter, QueryOptions, UpdateQuery } from 'mongoose';
import type { OutboxRelayOptions, OutboxRelayService } from './outbox-relay.service';

/** A filter on a tenant-owned collection: the repository adds the organization, never the caller. */
export type TenantFilter<T> = Omit<QueryFilter<T>, 'organizationId'>;

/**
 * Access to one tenant-owned collection (DESIGN.md section 3: tenant isolation is a guarantee, not
 * a convention). Every method takes the organization id and adds it to the filter, so a query on
 * tenant data cannot leave it out; `{ _id, organizationId }` is served by the `_id` index. What
 * must read across organizations (a due-time poller, a sweep) says so through
 * `acrossOrganizations(reason)`, and tools/checks/tenant-isolation.spec.ts requires that reason.
 *
 * Methods return mongoose queries, so callers go on with `.lean()`, `.sort()`, `.exec()`.
 */
export abstract class TenantRepository<T extends { organizationId: string }> {
  protected constructor(private readonly model: Model<T>) {}

  findOne(organizationId: string, filter: TenantFilter<T>, projection?: ProjectionType<T>) {
    return this.model.findOne(scoped<T>(organizationId, filter), projection);
  }

  find(organizationId: string, filter: TenantFilter<T>, projection?: ProjectionType<T>) {
    return this.model.find(scoped<T>(organizationId, filter), projection);
  }

  countDocuments(organizationId: string, filter: TenantFilter<T>) {
    return this.model.countDocuments(scoped<T>(organizationId, filter));
  }

  updateOne(organizationId: string, filter: TenantFilter<T>, update: UpdateQuery<T>) {
    return this.model.updateOne(scoped<T>(organizationId, filter), update);
  }

  updateMany(organizationId: string, filter: TenantFilter<T>, update: UpdateQuery<T>) {
    return this.model.updateMany(scoped<T>(organizationId, filter), update);
  }

  findOneAndUpdate(
    organizationId: string,
    filter: TenantFilter<T>,
    update: UpdateQuery<T>,
    options: QueryOptions<T> = {},
  ) {
    return this.model.findOneAndUpdate(scoped<T>(organizationId, filter), update, options);
  }

  deleteOne(organizationId: string, filter: TenantFilter<T>) {
    return this.model.deleteOne(scoped<T>(organizationId, filter));
  }

  deleteMany(organizationId: string, filter: TenantFilter<T>) {
    return this.model.deleteMany(scoped<T>(organizationId, filter));
  }

  /**
   * Inserts documents in one command. Each names its own organization (a batch may gather
   * several organizations' documents, as the dispatcher's group commit does).
   */
  insertMany(
    documents: (AnyKeys<T> & { organizationId: string })[],
    options: { ordered?: boolean; lean?: boolean } = {},
  ) {
    return this.model.insertMany(documents as never[], options);
  }

  /** Inserts one document; its type requires the organization it belongs to. */
  create(document: AnyKeys<T> & { organizationId: string }) {
    return this.model.create(document);
  }

  /** The collection's name: the outbox relay publishes a document's entries by collection and id. */
  get collectionName(): string {
    return this.model.collection.collectionName;
  }

  /** Has the relay sweep this collection for entries a crash left unpublished. */
  watchOutbox(relay: OutboxRelayService, options?: Partial<OutboxRelayOptions>): void {
    relay.watch(this.acrossOrganizations('the outbox sweep publishes what any organization left unpublished'), options);
  }

  /**
   * The collection itself, for a query that must span organizations. `reason` says why, where it
   * is used (the isolation check requires one).
   */
  protected acrossOrganizations(reason: string): Model<T> {
    void reason;
    return this.model;
  }
}

function scoped<T>(organizationId: string, filter: object): QueryFilter<T> {
  return { ...filter, organizationId } as QueryFilter<T>;
}
