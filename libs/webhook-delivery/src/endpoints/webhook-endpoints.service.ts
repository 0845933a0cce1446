import { Inject, Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import {
  isNewestFirstPosition,
  newestFirstAfter,
  newestFirstCursor,
  newId,
  parseCursor,
  RpcError,
  WEBHOOK_DEFAULT_ROTATION_GRACE_SECONDS,
  type CreatedWebhookEndpointView,
  type RotatedSecretView,
  type WebhookDisabledReason,
  type WebhookEndpointsCreateRequest,
  type WebhookEndpointsListRequest,
  type WebhookEndpointsUpdateRequest,
  type WebhookEndpointView,
  type WebhookPage,
} from '@wfp/contracts';
import { DocumentWriteLock, findOwnedById } from '@wfp/persistence';
import { generateWebhookSecret } from '@wfp/webhook-signature';
import { DELIVERY_OPTIONS, type DeliveryOptions } from '../delivery-options';
import { assertEndpointUrlAllowed } from './endpoint-url-policy';
import { WebhookEndpoint } from './webhook-endpoint.schema';

export const ENDPOINTS_COLLECTION = 'webhook_endpoints';

export function toEndpointView(endpoint: WebhookEndpoint): WebhookEndpointView {
  return {
    id: endpoint._id,
    url: endpoint.url,
    eventTypes: endpoint.eventTypes,
    description: endpoint.description,
    enabled: endpoint.enabled,
    disabledReason: endpoint.disabledReason,
    disabledAt: endpoint.disabledAt?.toISOString() ?? null,
    failingSince: endpoint.failingSince?.toISOString() ?? null,
    createdAt: endpoint.createdAt.toISOString(),
    updatedAt: endpoint.updatedAt.toISOString(),
  };
}

/** The secrets that sign a delivery now: the current one and any still in its grace period. */
export function signingSecrets(endpoint: WebhookEndpoint, now = new Date()): string[] {
  return endpoint.secrets
    .filter((secret) => secret.expiresAt === null || secret.expiresAt > now)
    .map((secret) => secret.value);
}

/** Whether an endpoint takes events of this type. */
export function isSubscribed(endpoint: WebhookEndpoint, eventType: string): boolean {
  return endpoint.enabled && (endpoint.eventTypes.length === 0 || endpoint.eventTypes.includes(eventType));
}

/** Endpoint management, scoped by organization: another organization's endpoint reads as absent. */
@Injectable()
export class WebhookEndpointsService {
  constructor(
    @InjectModel(WebhookEndpoint.name) private readonly endpoints: Model<WebhookEndpoint>,
    @Inject(DELIVERY_OPTIONS) private readonly options: DeliveryOptions,
    private readonly writeLock: DocumentWriteLock,
  ) {}

  async create(organizationId: string, request: WebhookEndpointsCreateRequest): Promise<CreatedWebhookEndpointView> {
    const url = await assertEndpointUrlAllowed(request.url, { allowLoopback: this.options.allowLoopback });
    const secret = generateWebhookSecret();
    const created = await this.endpoints.create({
      _id: newId('we'),
      organizationId,
      url,
      eventTypes: request.eventTypes ?? [],
      description: request.description ?? null,
      enabled: true,
      disabledReason: null,
      disabledAt: null,
      secrets: [{ value: secret, createdAt: new Date(), expiresAt: null }],
      failingSince: null,
    });
    return { ...toEndpointView(created.toObject()), secret };
  }

  async list(organizationId: string, request: WebhookEndpointsListRequest): Promise<WebhookPage<WebhookEndpointView>> {
    const position = request.cursor ? parseCursor(request.cursor, isNewestFirstPosition) : null;
    if (request.cursor && !position) throw new RpcError('BAD_REQUEST', 'cursor is not a cursor returned by this API');
    const items = await this.endpoints
      .find({ organizationId, ...(position ? newestFirstAfter(position) : {}) })
      .sort({ createdAt: -1, _id: -1 })
      .limit(request.limit + 1)
      .lean()
      .exec();
    const page = items.slice(0, request.limit);
    return {
      data: page.map(toEndpointView),
      nextCursor: items.length > request.limit ? newestFirstCursor(page[page.length - 1]) : null,
    };
  }

  async get(organizationId: string, endpointId: string): Promise<WebhookEndpoint> {
    const endpoint = await findOwnedById(this.endpoints, endpointId, organizationId);
    if (!endpoint) throw new RpcError('NOT_FOUND', 'Webhook endpoint not found');
    return endpoint;
  }

  /** The organization's enabled endpoint with exactly this URL (written as the endpoint stores it). */
  async findEnabledByUrl(organizationId: string, url: string): Promise<WebhookEndpoint> {
    let normalized: string;
    try {
      normalized = new URL(url).toString();
    } catch {
      throw new RpcError('NOT_FOUND', 'Webhook endpoint not found');
    }
    const endpoint = (await this.ofOrganization(organizationId)).find(
      (candidate) => candidate.enabled && candidate.url === normalized,
    );
    if (!endpoint) throw new RpcError('NOT_FOUND', 'Webhook endpoint not found');
    return endpoint;
  }

  /** Any instance's current view of the endpoint (no organization check: the caller holds its id). */
  findById(endpointId: string): Promise<WebhookEndpoint | null> {
    return this.endpoints.findById(endpointId).lean().exec() as Promise<WebhookEndpoint | null>;
  }

  /** The endpoints of an organization that take this event type. */
  async subscribers(organizationId: string, eventType: string): Promise<WebhookEndpoint[]> {
    return (await this.ofOrganization(organizationId)).filter((endpoint) => isSubscribed(endpoint, eventType));
  }

  /** Every endpoint of the organization (a handful: filtered here rather than by the store). */
  private async ofOrganization(organizationId: string): Promise<WebhookEndpoint[]> {
    return (await this.endpoints.find({ organizationId }).lean().exec()) as WebhookEndpoint[];
  }

  async update(organizationId: string, request: WebhookEndpointsUpdateRequest): Promise<WebhookEndpointView> {
    await this.get(organizationId, request.endpointId);
    const set: Partial<WebhookEndpoint> = {};
    if (request.url !== undefined)
      set.url = await assertEndpointUrlAllowed(request.url, { allowLoopback: this.options.allowLoopback });
    if (request.eventTypes !== undefined) set.eventTypes = request.eventTypes;
    if (request.description !== undefined) set.description = request.description;
    if (request.enabled === true)
      Object.assign(set, { enabled: true, disabledReason: null, disabledAt: null, failingSince: null });
    if (request.enabled === false)
      Object.assign(set, { enabled: false, disabledReason: 'MANUAL', disabledAt: new Date() });
    const updated = await this.write(request.endpointId, set);
    if (!updated) throw new RpcError('NOT_FOUND', 'Webhook endpoint not found');
    return toEndpointView(updated);
  }

  async delete(organizationId: string, endpointId: string): Promise<void> {
    await this.get(organizationId, endpointId);
    await this.writeLock.run(ENDPOINTS_COLLECTION, endpointId, () =>
      this.endpoints.deleteOne({ _id: endpointId }).exec(),
    );
  }

  /** A new current secret; the previous one keeps signing for the grace period (two signatures). */
  async rotateSecret(organizationId: string, endpointId: string, graceSeconds?: number): Promise<RotatedSecretView> {
    const grace = (graceSeconds ?? WEBHOOK_DEFAULT_ROTATION_GRACE_SECONDS) * 1000;
    const secret = generateWebhookSecret();
    const now = new Date();
    const previousExpiresAt = grace > 0 ? new Date(now.getTime() + grace) : null;
    const rotated = await this.writeLock.run(ENDPOINTS_COLLECTION, endpointId, async () => {
      const endpoint = await this.get(organizationId, endpointId);
      // Every older secret signs until the grace period ends at the latest: a rotation never
      // extends an earlier one, and a rotation without grace (a leaked secret) revokes them all.
      const graceEnd = previousExpiresAt ?? now;
      const kept = endpoint.secrets
        .map((old) => ({ ...old, expiresAt: old.expiresAt && old.expiresAt < graceEnd ? old.expiresAt : graceEnd }))
        .filter((old) => old.expiresAt > now);
      return this.endpoints
        .findOneAndUpdate(
          { _id: endpointId },
          { $set: { secrets: [{ value: secret, createdAt: now, expiresAt: null }, ...kept] } },
          { returnDocument: 'after' },
        )
        .lean()
        .exec();
    });
    if (!rotated) throw new RpcError('NOT_FOUND', 'Webhook endpoint not found');
    return { secret, previousSecretExpiresAt: previousExpiresAt?.toISOString() ?? null };
  }

  /** Delivery outcomes move the endpoint's health; both write only when something changes. */
  async recordSuccess(endpoint: WebhookEndpoint): Promise<void> {
    if (endpoint.failingSince === null) return;
    await this.write(endpoint._id, { failingSince: null });
  }

  /**
   * Notes a failed attempt; returns the reason the endpoint is now disabled, if it is: 410 Gone at
   * once, or failing without a success for longer than the configured period.
   */
  async recordFailure(
    endpoint: WebhookEndpoint,
    gone: boolean,
    now = new Date(),
  ): Promise<WebhookDisabledReason | null> {
    const failingSince = endpoint.failingSince ?? now;
    let reason: WebhookDisabledReason | null = null;
    if (gone) reason = 'GONE';
    else if (now.getTime() - failingSince.getTime() >= this.options.disableAfterMs) reason = 'FAILING';
    if (reason)
      await this.write(endpoint._id, { enabled: false, disabledReason: reason, disabledAt: now, failingSince });
    else if (endpoint.failingSince === null) await this.write(endpoint._id, { failingSince });
    return reason;
  }

  private write(endpointId: string, set: Partial<WebhookEndpoint>): Promise<WebhookEndpoint | null> {
    return this.writeLock.run(ENDPOINTS_COLLECTION, endpointId, () =>
      this.endpoints.findOneAndUpdate({ _id: endpointId }, { $set: set }, { returnDocument: 'after' }).lean().exec(),
    ) as Promise<WebhookEndpoint | null>;
  }
}
