import { Inject, Injectable } from '@nestjs/common';
import {
  isNewestFirstPosition,
  newestFirstAfter,
  newestFirstCursor,
  newId,
  parseCursor,
  RpcError,
  WEBHOOK_DEFAULT_ROTATION_GRACE_SECONDS,
  type CallTargetView,
  type CreatedWebhookEndpointView,
  type RevealedSecretView,
  type RotatedSecretView,
  type WebhookDisabledReason,
  type WebhookEndpointsCreateRequest,
  type WebhookEndpointsListRequest,
  type WebhookEndpointsUpdateRequest,
  type WebhookEndpointView,
  type WebhookPage,
} from '@wfp/contracts';
import { generateWebhookSecret } from '@wfp/webhook-signature';
import { DELIVERY_OPTIONS, type DeliveryOptions } from '../delivery-options';
import { WebhookEndpointRepository } from './webhook-endpoint.repository';
import { EndpointCacheService } from './endpoint-cache.service';
import { EndpointChangeNoticesService } from './endpoint-change-notices.service';
import { assertEndpointUrlAllowed } from './endpoint-url-policy';
import { WebhookEndpoint } from './webhook-endpoint.schema';

export function toEndpointView(endpoint: WebhookEndpoint): WebhookEndpointView {
  return {
    id: endpoint._id,
    url: endpoint.url,
    eventTypes: endpoint.eventTypes,
    description: endpoint.description,
    rateLimitPerSecond: endpoint.rateLimitPerSecond ?? null,
    ordering: endpoint.ordering ?? 'none',
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
  return (
    isSubscriber(endpoint) &&
    endpoint.enabled &&
    (endpoint.eventTypes.length === 0 || endpoint.eventTypes.includes(eventType))
  );
}

/** A registered endpoint (not an organization's call-results sender). */
export function isSubscriber(endpoint: WebhookEndpoint): boolean {
  return endpoint.kind !== 'CALL_RESULTS';
}

/** The one call-results sender of an organization (a fixed id, so concurrent creations make one). */
export function callResultsSenderId(organizationId: string): string {
  return `wcr_${organizationId}`;
}

/**
 * What an attempt's circuit breaker and concurrency slots are counted per: the endpoint, or for a
 * call-results sender the origin it sends to, so one caller's failing URL holds back nobody else's.
 */
export function attemptKeyOf(endpoint: WebhookEndpoint, targetUrl: string | null | undefined): string {
  if (isSubscriber(endpoint) || !targetUrl) return endpoint._id;
  return `${endpoint._id}${ORIGIN_SEPARATOR}${new URL(targetUrl).origin}`;
}

/** Whether an attempt key is an endpoint's own (not one origin of a call-results sender). */
export function isEndpointKey(key: string): boolean {
  return !key.includes(ORIGIN_SEPARATOR);
}

const ORIGIN_SEPARATOR = '@';

/** Stored endpoints the public endpoint routes may show or change. */
const SUBSCRIBERS = { kind: { $ne: 'CALL_RESULTS' as const } };

/** Rotations of one endpoint that race each other: each reads the secrets and writes them if unchanged. */
const ROTATION_ATTEMPTS = 5;

/**
 * Endpoint management, scoped by organization: another organization's endpoint reads as absent.
 * Every change is applied to this instance's endpoint cache at once and announced to the other
 * instances (EndpointChangeNoticesService); deliveries read endpoints from the cache only.
 */
@Injectable()
export class WebhookEndpointsService {
  constructor(
    private readonly endpoints: WebhookEndpointRepository,
    @Inject(DELIVERY_OPTIONS) private readonly options: DeliveryOptions,
    private readonly cache: EndpointCacheService,
    private readonly notices: EndpointChangeNoticesService,
  ) {}

  async create(organizationId: string, request: WebhookEndpointsCreateRequest): Promise<CreatedWebhookEndpointView> {
    const url = await assertEndpointUrlAllowed(request.url, this.options.addressPolicy);
    const secret = generateWebhookSecret();
    const created = (
      await this.endpoints.create({
        _id: newId('we'),
        organizationId,
        url,
        eventTypes: request.eventTypes ?? [],
        description: request.description ?? null,
        rateLimitPerSecond: request.rateLimitPerSecond ?? null,
        ordering: request.ordering ?? 'none',
        enabled: true,
        disabledReason: null,
        disabledAt: null,
        secrets: [{ value: secret, createdAt: new Date(), expiresAt: null }],
        failingSince: null,
      })
    ).toObject() as WebhookEndpoint;
    await this.changed(created);
    return { ...toEndpointView(created), secret };
  }

  async list(organizationId: string, request: WebhookEndpointsListRequest): Promise<WebhookPage<WebhookEndpointView>> {
    const position = request.cursor ? parseCursor(request.cursor, isNewestFirstPosition) : null;
    if (request.cursor && !position) throw new RpcError('BAD_REQUEST', 'cursor is not a cursor returned by this API');
    const items = await this.endpoints
      .find(organizationId, { ...SUBSCRIBERS, ...(position ? newestFirstAfter(position) : {}) })
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

  /** A registered endpoint of the organization (a call-results sender reads as absent). */
  async get(organizationId: string, endpointId: string): Promise<WebhookEndpoint> {
    const endpoint = await this.stored(organizationId, endpointId);
    if (!endpoint || !isSubscriber(endpoint)) throw new RpcError('NOT_FOUND', 'Webhook endpoint not found');
    return endpoint;
  }

  /** Any endpoint of the organization, a call-results sender too, read from the store. */
  async stored(organizationId: string, endpointId: string): Promise<WebhookEndpoint | null> {
    return (await this.endpoints.findOne(organizationId, { _id: endpointId }).lean().exec()) as WebhookEndpoint | null;
  }

  /**
   * Where a call's result goes: the organization's enabled endpoint registered with exactly this
   * URL (its secret signs it), or else the URL itself if the address policy allows it, sent by the
   * organization's call-results sender (made on first need). Every connection is checked again.
   */
  async resolveCallTarget(organizationId: string, rawUrl: string): Promise<CallTargetView> {
    const url = await assertEndpointUrlAllowed(rawUrl, this.options.addressPolicy);
    const registered = (await this.cache.ofOrganization(organizationId)).find(
      (candidate) => isSubscriber(candidate) && candidate.enabled && candidate.url === url,
    );
    if (registered) return { endpointId: registered._id, url: null };
    const sender = await this.callResultsSender(organizationId);
    return { endpointId: sender._id, url };
  }

  /**
   * The call-result signing secret, shown once: the first request after it was made (on first
   * need, or by this request) gets it; later ones are refused until a rotation makes a new one.
   */
  async revealCallResultSecret(organizationId: string): Promise<RevealedSecretView> {
    const sender = await this.callResultsSender(organizationId);
    const shown = (await this.endpoints
      .findOneAndUpdate(
        organizationId,
        { _id: sender._id, secretShownAt: null },
        { $set: { secretShownAt: new Date() } },
        { returnDocument: 'after' },
      )
      .lean()
      .exec()) as WebhookEndpoint | null;
    if (!shown)
      throw new RpcError(
        'CONFLICT',
        'The call-result secret was shown already; rotate it (POST /v1/workflow-calls/signing-secret/rotate) for a new one',
      );
    await this.changed(shown);
    const current = shown.secrets[0];
    return { secret: current.value, createdAt: current.createdAt.toISOString() };
  }

  /** A new call-result secret (shown in this answer only); the previous one signs for the grace period. */
  async rotateCallResultSecret(organizationId: string, graceSeconds?: number): Promise<RotatedSecretView> {
    const sender = await this.callResultsSender(organizationId);
    return this.rotate(organizationId, sender._id, graceSeconds, { secretShownAt: new Date() });
  }

  /** The organization's call-results sender, made with a fresh secret when it has none. */
  private async callResultsSender(organizationId: string): Promise<WebhookEndpoint> {
    const _id = callResultsSenderId(organizationId);
    const cached = await this.cache.find(organizationId, _id);
    if (cached) return cached;
    const sender = (await this.endpoints
      .findOneAndUpdate(
        organizationId,
        { _id },
        {
          $setOnInsert: {
            kind: 'CALL_RESULTS',
            url: '',
            eventTypes: [],
            description: 'Results of workflow calls, sent to the URLs callers name',
            enabled: true,
            disabledReason: null,
            disabledAt: null,
            secrets: [{ value: generateWebhookSecret(), createdAt: new Date(), expiresAt: null }],
            secretShownAt: null,
            failingSince: null,
          },
        },
        { upsert: true, returnDocument: 'after', setDefaultsOnInsert: false },
      )
      .lean()
      .exec()) as WebhookEndpoint;
    await this.changed(sender);
    return sender;
  }

  /** The endpoints of an organization that take this event type (from the cache). */
  async subscribers(organizationId: string, eventType: string): Promise<WebhookEndpoint[]> {
    return (await this.cache.ofOrganization(organizationId)).filter((endpoint) => isSubscribed(endpoint, eventType));
  }

  /** The endpoint a delivery goes to (from the cache, read again when missing there), or null when deleted. */
  forDelivery(organizationId: string, endpointId: string): Promise<WebhookEndpoint | null> {
    return this.cache.find(organizationId, endpointId, { reloadIfMissing: true });
  }

  async update(organizationId: string, request: WebhookEndpointsUpdateRequest): Promise<WebhookEndpointView> {
    const set: Partial<WebhookEndpoint> = {};
    if (request.url !== undefined) set.url = await assertEndpointUrlAllowed(request.url, this.options.addressPolicy);
    if (request.eventTypes !== undefined) set.eventTypes = request.eventTypes;
    if (request.description !== undefined) set.description = request.description;
    if (request.rateLimitPerSecond !== undefined) set.rateLimitPerSecond = request.rateLimitPerSecond;
    if (request.ordering !== undefined) set.ordering = request.ordering;
    if (request.enabled === true)
      Object.assign(set, { enabled: true, disabledReason: null, disabledAt: null, failingSince: null });
    if (request.enabled === false)
      Object.assign(set, { enabled: false, disabledReason: 'MANUAL', disabledAt: new Date() });
    const updated = (await this.endpoints
      .findOneAndUpdate(
        organizationId,
        { _id: request.endpointId, ...SUBSCRIBERS },
        { $set: set },
        { returnDocument: 'after' },
      )
      .lean()
      .exec()) as WebhookEndpoint | null;
    if (!updated) throw new RpcError('NOT_FOUND', 'Webhook endpoint not found');
    await this.changed(updated);
    return toEndpointView(updated);
  }

  async delete(organizationId: string, endpointId: string): Promise<void> {
    const { deletedCount } = await this.endpoints.deleteOne(organizationId, { _id: endpointId, ...SUBSCRIBERS }).exec();
    if (deletedCount === 0) throw new RpcError('NOT_FOUND', 'Webhook endpoint not found');
    this.cache.remove(organizationId, endpointId);
    await this.notices.changed(organizationId);
  }

  /** A new current secret; the previous one keeps signing for the grace period (two signatures). */
  async rotateSecret(organizationId: string, endpointId: string, graceSeconds?: number): Promise<RotatedSecretView> {
    await this.get(organizationId, endpointId);
    return this.rotate(organizationId, endpointId, graceSeconds);
  }

  private async rotate(
    organizationId: string,
    endpointId: string,
    graceSeconds: number | undefined,
    alsoSet: Partial<WebhookEndpoint> = {},
  ): Promise<RotatedSecretView> {
    const grace = (graceSeconds ?? WEBHOOK_DEFAULT_ROTATION_GRACE_SECONDS) * 1000;
    const secret = generateWebhookSecret();
    const now = new Date();
    const previousExpiresAt = grace > 0 ? new Date(now.getTime() + grace) : null;
    for (let attempt = 1; ; attempt += 1) {
      const endpoint = await this.stored(organizationId, endpointId);
      if (!endpoint) throw new RpcError('NOT_FOUND', 'Webhook endpoint not found');
      // Every older secret signs until the grace period ends at the latest: a rotation never
      // extends an earlier one, and a rotation without grace (a leaked secret) revokes them all.
      const graceEnd = previousExpiresAt ?? now;
      const kept = endpoint.secrets
        .map((old) => ({ ...old, expiresAt: old.expiresAt && old.expiresAt < graceEnd ? old.expiresAt : graceEnd }))
        .filter((old) => old.expiresAt > now);
      // Written only if no other rotation came in between (its current secret is still the first).
      const rotated = (await this.endpoints
        .findOneAndUpdate(
          organizationId,
          { _id: endpointId, 'secrets.0.value': endpoint.secrets[0]?.value },
          { $set: { secrets: [{ value: secret, createdAt: now, expiresAt: null }, ...kept], ...alsoSet } },
          { returnDocument: 'after' },
        )
        .lean()
        .exec()) as WebhookEndpoint | null;
      if (rotated) {
        await this.changed(rotated);
        return { secret, previousSecretExpiresAt: previousExpiresAt?.toISOString() ?? null };
      }
      if (attempt >= ROTATION_ATTEMPTS) throw new RpcError('CONFLICT', 'The secret is being rotated; try again');
    }
  }

  /**
   * A successful attempt clears the endpoint's failing period. It writes only when there is one:
   * on the normal path a success costs the endpoint nothing.
   */
  async recordSuccess(endpoint: WebhookEndpoint): Promise<void> {
    // A call-results sender is never disabled: a caller's failing URL is that call's matter.
    if (!isSubscriber(endpoint)) return;
    const current = this.current(endpoint);
    if (current.failingSince === null) return;
    this.cache.put({ ...current, failingSince: null });
    await this.endpoints
      .updateOne(current.organizationId, { _id: current._id }, { $set: { failingSince: null } })
      .exec();
    await this.notices.changed(current.organizationId);
  }

  /**
   * Notes a failed attempt; returns the reason the endpoint is now disabled, if it is: 410 Gone at
   * once, or failing without a success for longer than the configured period. Writes only when
   * something changes: the first failure of a failing period, and the disabling.
   */
  async recordFailure(
    endpoint: WebhookEndpoint,
    gone: boolean,
    now = new Date(),
  ): Promise<WebhookDisabledReason | null> {
    if (!isSubscriber(endpoint)) return null;
    const current = this.current(endpoint);
    // Another attempt of this instance disabled it meanwhile.
    if (!current.enabled) return current.disabledReason ?? 'MANUAL';
    const failingSince = current.failingSince ?? now;
    let reason: WebhookDisabledReason | null = null;
    if (gone) reason = 'GONE';
    else if (now.getTime() - failingSince.getTime() >= this.options.disableAfterMs) reason = 'FAILING';
    if (reason) {
      const disabled = { enabled: false, disabledReason: reason, disabledAt: now, failingSince };
      this.cache.put({ ...current, ...disabled });
      await this.endpoints
        .updateOne(current.organizationId, { _id: current._id, enabled: true }, { $set: disabled })
        .exec();
      await this.notices.changed(current.organizationId);
    } else if (current.failingSince === null) {
      this.cache.put({ ...current, failingSince });
      // The first failure of the period is kept: another instance may have noted it already.
      const { matchedCount } = await this.endpoints
        .updateOne(current.organizationId, { _id: current._id, failingSince: null }, { $set: { failingSince } })
        .exec();
      if (matchedCount === 0) this.cache.invalidate(current.organizationId);
      else await this.notices.changed(current.organizationId);
    }
    return reason;
  }

  /** This instance's freshest view of the endpoint (the cache's, which attempts in flight update). */
  private current(endpoint: WebhookEndpoint): WebhookEndpoint {
    return this.cache.peek(endpoint.organizationId, endpoint._id) ?? endpoint;
  }

  /** Applies a stored change to this instance's cache and tells the other instances. */
  private async changed(endpoint: WebhookEndpoint): Promise<void> {
    this.cache.put(endpoint);
    await this.notices.changed(endpoint.organizationId);
  }
}
