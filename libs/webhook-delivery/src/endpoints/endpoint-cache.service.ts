import { Inject, Injectable } from '@nestjs/common';
import { Invalidations } from '@wfp/messaging';
import { DELIVERY_OPTIONS, type DeliveryOptions } from '../delivery-options';
import { WebhookEndpointRepository } from './webhook-endpoint.repository';
import { WebhookEndpoint } from './webhook-endpoint.schema';

interface CachedOrganization {
  endpoints: Map<string, WebhookEndpoint>;
  loadedAt: number;
}

/** Past this many cached organizations, expired ones are dropped whenever one is loaded. */
const PRUNE_ABOVE = 1000;

/**
 * Each organization's endpoints in memory, so that deliveries read no endpoint from the store.
 * An organization is loaded with one query on first use and read again once its entry is older
 * than `endpointCacheMs`. Changes made here are applied at once (`put`, `remove`); changes made
 * by another instance arrive as a broadcast (`invalidate`, see EndpointChangeNoticesService), and the
 * expiry is only the safety net for a broadcast that was lost.
 */
@Injectable()
export class EndpointCacheService {
  private readonly organizations = new Map<string, CachedOrganization>();
  private readonly loading = new Map<string, Promise<CachedOrganization>>();
  /** So that a load that started before an invalidation of its organization is not kept. */
  private readonly invalidations = new Invalidations();

  constructor(
    private readonly endpoints: WebhookEndpointRepository,
    @Inject(DELIVERY_OPTIONS) private readonly options: DeliveryOptions,
  ) {}

  /** Every endpoint of the organization (enabled or not). */
  async ofOrganization(organizationId: string): Promise<WebhookEndpoint[]> {
    return [...(await this.organization(organizationId)).endpoints.values()];
  }

  /**
   * The organization's endpoint, or null. An endpoint missing from a cached organization may have
   * been created elsewhere and its broadcast lost: with `reloadIfMissing` the organization is read
   * again once before the answer is null.
   */
  async find(
    organizationId: string,
    endpointId: string,
    { reloadIfMissing = false }: { reloadIfMissing?: boolean } = {},
  ): Promise<WebhookEndpoint | null> {
    const cached = (await this.organization(organizationId)).endpoints.get(endpointId);
    if (cached || !reloadIfMissing) return cached ?? null;
    this.invalidate(organizationId);
    return (await this.organization(organizationId)).endpoints.get(endpointId) ?? null;
  }

  /** The cached endpoint, without loading anything: the freshest view this instance has. */
  peek(organizationId: string, endpointId: string): WebhookEndpoint | undefined {
    return this.organizations.get(organizationId)?.endpoints.get(endpointId);
  }

  /** Applies a change this instance made (an organization not cached is loaded when next used). */
  put(endpoint: WebhookEndpoint): void {
    this.organizations.get(endpoint.organizationId)?.endpoints.set(endpoint._id, endpoint);
  }

  remove(organizationId: string, endpointId: string): void {
    this.organizations.get(organizationId)?.endpoints.delete(endpointId);
  }

  /** Forgets the organization: it is read again when next used. */
  invalidate(organizationId: string): void {
    if (this.invalidations.invalidate(organizationId) === 'all') return this.forgetAll();
    this.organizations.delete(organizationId);
    this.loading.delete(organizationId);
  }

  /**
   * Forgets every organization: notices may have been missed (the instance was not yet, or no
   * longer, listening for them).
   */
  invalidateAll(): void {
    this.invalidations.invalidateAll();
    this.forgetAll();
  }

  private forgetAll(): void {
    this.organizations.clear();
    this.loading.clear();
  }

  private organization(organizationId: string): Promise<CachedOrganization> {
    const cached = this.organizations.get(organizationId);
    if (cached && Date.now() - cached.loadedAt < this.options.endpointCacheMs) return Promise.resolve(cached);
    const pending = this.loading.get(organizationId);
    if (pending) return pending;
    const load = this.load(organizationId).finally(() => {
      if (this.loading.get(organizationId) === load) this.loading.delete(organizationId);
    });
    this.loading.set(organizationId, load);
    return load;
  }

  private async load(organizationId: string): Promise<CachedOrganization> {
    const ticket = this.invalidations.ticket(organizationId);
    const loadedAt = Date.now();
    // A handful per organization: every one is read, and filtered in memory.
    const found = (await this.endpoints.find(organizationId, {}).lean().exec()) as WebhookEndpoint[];
    const loaded = { endpoints: new Map(found.map((endpoint) => [endpoint._id, endpoint])), loadedAt };
    if (this.invalidations.isCurrent(ticket)) {
      this.prune(loadedAt);
      this.organizations.set(organizationId, loaded);
    }
    return loaded;
  }

  private prune(now: number): void {
    if (this.organizations.size < PRUNE_ABOVE) return;
    for (const [organizationId, cached] of this.organizations) {
      if (now - cached.loadedAt >= this.options.endpointCacheMs) this.organizations.delete(organizationId);
    }
  }
}
