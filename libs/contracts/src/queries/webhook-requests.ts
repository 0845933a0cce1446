import 'reflect-metadata';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { ALL_WORKFLOW_EVENT_TYPES } from '../events/workflow-event-type';
import { defineEvent } from '../message';
import { IsNullable } from '../message-schema';

/**
 * Request/reply messages answered by webhook-dispatcher, which owns endpoints and deliveries
 * (DESIGN.md sections 1 and 7). The gateway checks the HTTP shape first; these checks guard the
 * dispatcher against any other caller.
 */

/** The test event `POST /v1/webhook-endpoints/:id/test` sends; it is not a workflow event. */
export const WEBHOOK_TEST_EVENT_TYPE = 'WEBHOOK_TEST';

export interface WebhookTestData {
  endpointId: string;
  organizationId: string;
  message: string;
}

export const WebhookTestEvent = defineEvent<WebhookTestData>()({
  type: WEBHOOK_TEST_EVENT_TYPE,
  schemaVersion: 1,
  description: 'A test delivery to one endpoint, asked for with POST /v1/webhook-endpoints/:id/test',
  recordId: 'none',
  schema: {
    type: 'object',
    properties: { endpointId: { type: 'string' }, organizationId: { type: 'string' }, message: { type: 'string' } },
    required: ['endpointId', 'organizationId', 'message'],
    additionalProperties: false,
  },
});

export const WEBHOOK_URL_MAX_LENGTH = 2048;
export const WEBHOOK_DESCRIPTION_MAX_LENGTH = 500;
/** How an endpoint receives a candidate's events: as they come, or one at a time in their order. */
export const WEBHOOK_ORDERINGS = ['none', 'candidate'] as const;
export type WebhookOrdering = (typeof WEBHOOK_ORDERINGS)[number];

/** The highest per-endpoint delivery rate one can set (deliveries per second, across instances). */
export const WEBHOOK_MAX_RATE_LIMIT_PER_SECOND = 10_000;
/** Longest grace period a rotated-out secret keeps signing. */
export const WEBHOOK_MAX_ROTATION_GRACE_SECONDS = 7 * 24 * 3600;
export const WEBHOOK_DEFAULT_ROTATION_GRACE_SECONDS = 24 * 3600;

/** Applies property decorators as if written above each other, the first one on top. */
function stacked(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, key) => {
    for (const decorate of [...decorators].reverse()) decorate(target, key);
  };
}

/** The rules an endpoint's fields follow in both create and update. */
const IsEndpointUrl = () => stacked(MaxLength(WEBHOOK_URL_MAX_LENGTH), IsString());
const IsEventTypeFilter = () =>
  stacked(
    IsIn(ALL_WORKFLOW_EVENT_TYPES, { each: true }),
    ArrayUnique(),
    ArrayMaxSize(ALL_WORKFLOW_EVENT_TYPES.length),
    IsArray(),
  );
const IsEndpointDescription = () => stacked(MaxLength(WEBHOOK_DESCRIPTION_MAX_LENGTH), IsString());
const IsGracePeriod = () => stacked(Max(WEBHOOK_MAX_ROTATION_GRACE_SECONDS), Min(0), IsInt());
const IsRateLimit = () => stacked(Max(WEBHOOK_MAX_RATE_LIMIT_PER_SECOND), Min(1), IsInt());

export class WebhookEndpointsCreateRequest {
  static readonly type = 'webhook-endpoints.create';
  static readonly schemaVersion = 1;

  @IsEndpointUrl()
  url!: string;

  @IsOptional()
  @IsEventTypeFilter()
  eventTypes?: string[];

  @IsOptional()
  @IsEndpointDescription()
  description?: string;

  /** At most this many deliveries a second to the endpoint, across the dispatcher's instances. */
  @IsOptional()
  @IsRateLimit()
  rateLimitPerSecond?: number;

  @IsOptional()
  @IsIn(WEBHOOK_ORDERINGS)
  ordering?: WebhookOrdering;
}

export class WebhookEndpointRef {
  @MinLength(1)
  @IsString()
  endpointId!: string;
}

export class WebhookEndpointsGetRequest extends WebhookEndpointRef {
  static readonly type = 'webhook-endpoints.get';
  static readonly schemaVersion = 1;
}

/**
 * Where a called workflow's result goes (`inputs.webhookUrl`): the organization's enabled endpoint
 * registered with exactly this URL (signed with its secret), or else any URL the address policy
 * allows, signed with the organization's call-result secret. Answered with a CallTargetView.
 */
export class CallTargetsResolveRequest {
  static readonly type = 'call-targets.resolve';
  static readonly schemaVersion = 1;

  @MaxLength(WEBHOOK_URL_MAX_LENGTH)
  @IsString()
  url!: string;
}

export interface CallTargetView {
  /** The registered endpoint, or the organization's call-results sender. */
  endpointId: string;
  /** The URL to send to when it is not the endpoint's own (null for a registered endpoint). */
  url: string | null;
}

/** Shows the organization's call-result signing secret, once (it is made on first need). */
export class CallResultSecretRevealRequest {
  static readonly type = 'call-result-secret.reveal';
  static readonly schemaVersion = 1;
}

export class CallResultSecretRotateRequest {
  static readonly type = 'call-result-secret.rotate';
  static readonly schemaVersion = 1;

  /** How long the previous secret keeps signing (both signatures are sent meanwhile). */
  @IsOptional()
  @IsGracePeriod()
  gracePeriodSeconds?: number;
}

export interface RevealedSecretView {
  secret: string;
  createdAt: string;
}

export class WebhookEndpointsDeleteRequest extends WebhookEndpointRef {
  static readonly type = 'webhook-endpoints.delete';
  static readonly schemaVersion = 1;
}

export class WebhookEndpointsTestRequest extends WebhookEndpointRef {
  static readonly type = 'webhook-endpoints.test';
  static readonly schemaVersion = 1;
}

export class WebhookEndpointsListRequest {
  static readonly type = 'webhook-endpoints.list';
  static readonly schemaVersion = 1;

  @Max(100)
  @Min(1)
  @IsInt()
  limit!: number;

  @IsOptional()
  @MaxLength(512)
  @IsString()
  cursor?: string;
}

/** Only the fields given change; `enabled: true` also clears why it was disabled. */
export class WebhookEndpointsUpdateRequest extends WebhookEndpointRef {
  static readonly type = 'webhook-endpoints.update';
  static readonly schemaVersion = 1;

  @IsOptional()
  @IsEndpointUrl()
  url?: string;

  @IsOptional()
  @IsEventTypeFilter()
  eventTypes?: string[];

  @IsOptional()
  @IsEndpointDescription()
  description?: string;

  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  /** A new limit; null removes it. */
  @IsOptional()
  @IsRateLimit()
  rateLimitPerSecond?: number | null;

  @IsOptional()
  @IsIn(WEBHOOK_ORDERINGS)
  ordering?: WebhookOrdering;
}

export class WebhookEndpointsRotateSecretRequest extends WebhookEndpointRef {
  static readonly type = 'webhook-endpoints.rotate-secret';
  static readonly schemaVersion = 1;

  /** How long the previous secret keeps signing (both signatures are sent meanwhile). */
  @IsOptional()
  @IsGracePeriod()
  gracePeriodSeconds?: number;
}

export class WebhookEndpointsRecoverRequest extends WebhookEndpointRef {
  static readonly type = 'webhook-endpoints.recover';
  static readonly schemaVersion = 1;

  /** Failed deliveries created at or after this time are sent again. */
  @IsISO8601()
  since!: string;
}

export const WEBHOOK_DELIVERY_STATUSES = ['PENDING', 'SUCCEEDED', 'FAILED'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/** A page of a delivery log, newest first. */
export class DeliveryPageQuery {
  @IsOptional()
  @IsIn(WEBHOOK_DELIVERY_STATUSES)
  status?: WebhookDeliveryStatus;

  @Max(100)
  @Min(1)
  @IsInt()
  limit!: number;

  @IsOptional()
  @MaxLength(512)
  @IsString()
  cursor?: string;
}

export class WebhookDeliveriesListRequest extends DeliveryPageQuery {
  static readonly type = 'webhook-deliveries.list';
  static readonly schemaVersion = 1;

  @MinLength(1)
  @IsString()
  endpointId!: string;
}

/** The delivery log of the organization's call results sent to `inputs.webhookUrl` URLs. */
export class CallResultDeliveriesListRequest extends DeliveryPageQuery {
  static readonly type = 'call-result-deliveries.list';
  static readonly schemaVersion = 1;
}

export class WebhookDeliveriesReplayRequest {
  static readonly type = 'webhook-deliveries.replay';
  static readonly schemaVersion = 1;

  @MinLength(1)
  @IsString()
  deliveryId!: string;
}

/** Why an endpoint stopped receiving deliveries. */
export const WEBHOOK_DISABLED_REASONS = ['MANUAL', 'GONE', 'FAILING'] as const;
export type WebhookDisabledReason = (typeof WEBHOOK_DISABLED_REASONS)[number];

/** An endpoint as the API shows it; its secrets are only ever shown when made. */
export interface WebhookEndpointView {
  id: string;
  url: string;
  /** Empty: every event type. */
  eventTypes: string[];
  description: string | null;
  /** Deliveries per second the dispatcher keeps to, across its instances; null: no limit. */
  rateLimitPerSecond: number | null;
  /** `candidate`: each candidate's events one at a time, in the order they were emitted. */
  ordering: WebhookOrdering;
  enabled: boolean;
  disabledReason: WebhookDisabledReason | null;
  disabledAt: string | null;
  /** When deliveries to it started failing without a success since (null when healthy). */
  failingSince: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface CreatedWebhookEndpointView extends WebhookEndpointView {
  secret: string;
}

export interface RotatedSecretView {
  secret: string;
  /** Until when the previous secret keeps signing, or null if the rotation had no grace period. */
  previousSecretExpiresAt: string | null;
}

export interface WebhookAttemptView {
  attemptNumber: number;
  attemptedAt: string;
  /** null when no HTTP answer came (timeout, connection error, refused target). */
  statusCode: number | null;
  durationMs: number;
  /** The start of the answer's body (truncated). */
  responseBody: string | null;
  /** Why no usable answer came, e.g. TIMEOUT, CONNECTION_ERROR, FORBIDDEN_TARGET. */
  error: string | null;
}

export interface WebhookDeliveryView {
  id: string;
  endpointId: string;
  /** Where it is sent when not the endpoint's URL: a call result's `inputs.webhookUrl`. */
  url: string | null;
  eventId: string;
  eventType: string;
  status: WebhookDeliveryStatus;
  attemptCount: number;
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  createdAt: string;
  updatedAt: string;
  attempts: WebhookAttemptView[];
}

export interface WebhookPage<T> {
  data: T[];
  nextCursor: string | null;
}

export const DEAD_LETTER_REASONS = ['RETRIES_EXHAUSTED', 'ENDPOINT_GONE', 'ENDPOINT_DISABLED'] as const;

/** Published to the dispatcher's delivery DLQ when a delivery has spent its schedule. */
export class WebhookDeliveryDeadLettered {
  static readonly type = 'webhook.delivery.dead-lettered';
  static readonly schemaVersion = 1;

  @MinLength(1)
  @IsString()
  deliveryId!: string;

  @MinLength(1)
  @IsString()
  endpointId!: string;

  @MinLength(1)
  @IsString()
  eventId!: string;

  @MinLength(1)
  @IsString()
  eventType!: string;

  @Min(0)
  @IsInt()
  attemptCount!: number;

  @IsNullable()
  @IsInt()
  lastStatusCode!: number | null;

  @IsIn(DEAD_LETTER_REASONS)
  reason!: (typeof DEAD_LETTER_REASONS)[number];
}
