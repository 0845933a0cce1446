import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  registerDecorator,
  ValidateBy,
  ValidateIf,
  type ValidationArguments,
} from 'class-validator';
import {
  ALL_WORKFLOW_EVENT_TYPES,
  WEBHOOK_DEFAULT_ROTATION_GRACE_SECONDS,
  WEBHOOK_DELIVERY_STATUSES,
  WEBHOOK_DESCRIPTION_MAX_LENGTH,
  WEBHOOK_DISABLED_REASONS,
  WEBHOOK_MAX_RATE_LIMIT_PER_SECOND,
  WEBHOOK_ORDERINGS,
  type WebhookOrdering,
  WEBHOOK_MAX_ROTATION_GRACE_SECONDS,
  WEBHOOK_URL_MAX_LENGTH,
  type CreatedWebhookEndpointView,
  type RevealedSecretView,
  type RotatedSecretView,
  type WebhookAttemptView,
  type WebhookDeliveryStatus,
  type WebhookDeliveryView,
  type WebhookDisabledReason,
  type WebhookEndpointView,
  type WebhookPage,
} from '@wfp/contracts';
import { PageQueryDto } from '@wfp/http-kit';
import type { WebhookRecoveryView, WebhookReplayView, WebhookTestView } from '@wfp/webhook-subscriptions';

/** Omitted is fine, null is not: a null would reach the dispatcher as a value to store. */
const IsOptionalNotNull = () => ValidateIf((_object: object, value: unknown) => value !== undefined);

/** Shape only: whether the address may be called (private ranges, DNS) is the dispatcher's decision. */
const IsHttpUrl = () =>
  ValidateBy({
    name: 'isHttpUrl',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && /^https?:\/\//i.test(value) && URL.canParse(value),
      defaultMessage: () => '$property must be an absolute http or https URL, e.g. https://example.com/webhooks',
    },
  });

function unknownEventTypes({ property, value }: ValidationArguments): string {
  const unknown = (value as unknown[]).filter(
    (type) => !(ALL_WORKFLOW_EVENT_TYPES as readonly unknown[]).includes(type),
  );
  return `${property} has unknown event types (${unknown.map(String).join(', ')}); allowed: ${ALL_WORKFLOW_EVENT_TYPES.join(', ')}`;
}

const IsNotInTheFuture = () =>
  ValidateBy({
    name: 'isNotInTheFuture',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && Date.parse(value) <= Date.now(),
      defaultMessage: () => '$property must not be in the future',
    },
  });

/**
 * An update must change something. class-validator has no class-level rules, so this one hangs on a
 * `body` pseudo-field: the 400 names the body, and a real `body` field is refused.
 */
function RequiresOneOf(fields: readonly string[]): ClassDecorator {
  return (target) =>
    registerDecorator({
      name: 'requiresOneOf',
      target,
      propertyName: 'body',
      validator: {
        validate: (value: unknown, { object }: ValidationArguments) =>
          value === undefined && fields.some((field) => (object as Record<string, unknown>)[field] !== undefined),
        defaultMessage: ({ value }: ValidationArguments) =>
          value === undefined ? `body must set at least one of ${fields.join(', ')}` : 'body is not allowed',
      },
    });
}

const EVENT_TYPES_DESCRIPTION = 'The events to deliver; omitted or empty: every event type';
const RATE_LIMIT_DESCRIPTION =
  'At most this many deliveries a second to this endpoint, across all dispatcher instances; deliveries over it wait (they are neither failed nor dropped)';
const ORDERING_DESCRIPTION =
  'candidate: each candidate’s events one at a time, in the order they were emitted (the next only once the previous succeeded or was given up; other candidates’ events are not held up; events of no candidate are not ordered). none: as they come';
const IsOrdering = () =>
  IsIn(WEBHOOK_ORDERINGS, { message: `ordering must be one of ${WEBHOOK_ORDERINGS.join(', ')}` });
const RATE_LIMIT_MESSAGE = `rateLimitPerSecond must be a whole number from 1 to ${WEBHOOK_MAX_RATE_LIMIT_PER_SECOND}`;

/** Deliveries a second: a whole number within the dispatcher's bounds. */
const IsRateLimit = () => (target: object, property: string | symbol) => {
  Max(WEBHOOK_MAX_RATE_LIMIT_PER_SECOND, { message: RATE_LIMIT_MESSAGE })(target, property);
  Min(1, { message: RATE_LIMIT_MESSAGE })(target, property);
  IsInt({ message: RATE_LIMIT_MESSAGE })(target, property);
};

export class CreateWebhookEndpointDto {
  @ApiProperty({ example: 'https://example.com/webhooks', maxLength: WEBHOOK_URL_MAX_LENGTH })
  @IsHttpUrl()
  @MaxLength(WEBHOOK_URL_MAX_LENGTH)
  @IsString()
  @IsDefined({ message: 'url is required' })
  url!: string;

  @ApiPropertyOptional({ enum: ALL_WORKFLOW_EVENT_TYPES, isArray: true, description: EVENT_TYPES_DESCRIPTION })
  @IsOptionalNotNull()
  @ArrayUnique({ message: 'eventTypes must not list an event type twice' })
  @IsIn(ALL_WORKFLOW_EVENT_TYPES, { each: true, message: unknownEventTypes })
  @ArrayMaxSize(ALL_WORKFLOW_EVENT_TYPES.length)
  @IsArray()
  eventTypes?: string[];

  @ApiPropertyOptional({ example: 'ATS sync', maxLength: WEBHOOK_DESCRIPTION_MAX_LENGTH })
  @IsOptionalNotNull()
  @MaxLength(WEBHOOK_DESCRIPTION_MAX_LENGTH)
  @IsString()
  description?: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: WEBHOOK_MAX_RATE_LIMIT_PER_SECOND,
    example: 50,
    description: `${RATE_LIMIT_DESCRIPTION}; omitted: no limit`,
  })
  @IsOptionalNotNull()
  @IsRateLimit()
  rateLimitPerSecond?: number;

  @ApiPropertyOptional({ enum: WEBHOOK_ORDERINGS, default: 'none', description: ORDERING_DESCRIPTION })
  @IsOptionalNotNull()
  @IsOrdering()
  ordering?: WebhookOrdering;
}

const UPDATABLE_ENDPOINT_FIELDS = [
  'url',
  'eventTypes',
  'description',
  'enabled',
  'rateLimitPerSecond',
  'ordering',
] as const;

@RequiresOneOf(UPDATABLE_ENDPOINT_FIELDS)
export class UpdateWebhookEndpointDto {
  @ApiPropertyOptional({ example: 'https://example.com/webhooks', maxLength: WEBHOOK_URL_MAX_LENGTH })
  @IsOptionalNotNull()
  @IsHttpUrl()
  @MaxLength(WEBHOOK_URL_MAX_LENGTH)
  @IsString()
  url?: string;

  @ApiPropertyOptional({ enum: ALL_WORKFLOW_EVENT_TYPES, isArray: true, description: EVENT_TYPES_DESCRIPTION })
  @IsOptionalNotNull()
  @ArrayUnique({ message: 'eventTypes must not list an event type twice' })
  @IsIn(ALL_WORKFLOW_EVENT_TYPES, { each: true, message: unknownEventTypes })
  @ArrayMaxSize(ALL_WORKFLOW_EVENT_TYPES.length)
  @IsArray()
  eventTypes?: string[];

  @ApiPropertyOptional({ maxLength: WEBHOOK_DESCRIPTION_MAX_LENGTH })
  @IsOptionalNotNull()
  @MaxLength(WEBHOOK_DESCRIPTION_MAX_LENGTH)
  @IsString()
  description?: string;

  @ApiPropertyOptional({ description: 'false stops deliveries; true resumes them and clears disabledReason' })
  @IsOptionalNotNull()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    minimum: 1,
    maximum: WEBHOOK_MAX_RATE_LIMIT_PER_SECOND,
    description: `${RATE_LIMIT_DESCRIPTION}; null removes the limit`,
  })
  @ValidateIf((_object: object, value: unknown) => value !== undefined && value !== null)
  @IsRateLimit()
  rateLimitPerSecond?: number | null;

  @ApiPropertyOptional({ enum: WEBHOOK_ORDERINGS, description: ORDERING_DESCRIPTION })
  @IsOptionalNotNull()
  @IsOrdering()
  ordering?: WebhookOrdering;
}

export class RotateWebhookSecretDto {
  @ApiPropertyOptional({
    minimum: 0,
    maximum: WEBHOOK_MAX_ROTATION_GRACE_SECONDS,
    default: WEBHOOK_DEFAULT_ROTATION_GRACE_SECONDS,
    description: 'How long the previous secret keeps signing, next to the new one (0: stop at once)',
  })
  @IsOptionalNotNull()
  @Max(WEBHOOK_MAX_ROTATION_GRACE_SECONDS, {
    message: `gracePeriodSeconds must be at most ${WEBHOOK_MAX_ROTATION_GRACE_SECONDS} (7 days)`,
  })
  @Min(0)
  @IsInt()
  gracePeriodSeconds?: number;
}

export class RecoverDeliveriesDto {
  @ApiProperty({
    format: 'date-time',
    example: '2024-05-01T00:00:00Z',
    description: 'Failed deliveries created at or after this time are sent again',
  })
  @IsNotInTheFuture()
  @IsISO8601({ strict: true }, { message: 'since must be an ISO 8601 date-time, e.g. 2024-05-01T00:00:00Z' })
  @IsDefined({ message: 'since is required' })
  since!: string;
}

export class ListWebhookDeliveriesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: WEBHOOK_DELIVERY_STATUSES })
  @IsOptional()
  @IsIn(WEBHOOK_DELIVERY_STATUSES, { message: `status must be one of ${WEBHOOK_DELIVERY_STATUSES.join(', ')}` })
  status?: WebhookDeliveryStatus;
}

export class WebhookEndpointDto implements WebhookEndpointView {
  @ApiProperty({ example: 'we_8f3a…' })
  id!: string;

  @ApiProperty({ example: 'https://example.com/webhooks' })
  url!: string;

  @ApiProperty({ enum: ALL_WORKFLOW_EVENT_TYPES, isArray: true, description: 'Empty: every event type' })
  eventTypes!: string[];

  @ApiProperty({ type: String, nullable: true })
  description!: string | null;

  @ApiProperty({ type: 'integer', nullable: true, description: `${RATE_LIMIT_DESCRIPTION}; null: no limit` })
  rateLimitPerSecond!: number | null;

  @ApiProperty({ enum: WEBHOOK_ORDERINGS, description: ORDERING_DESCRIPTION })
  ordering!: WebhookOrdering;

  @ApiProperty()
  enabled!: boolean;

  @ApiProperty({
    enum: WEBHOOK_DISABLED_REASONS,
    nullable: true,
    description: 'MANUAL: disabled through the API; GONE: it answered 410; FAILING: it failed for too long',
  })
  disabledReason!: WebhookDisabledReason | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  disabledAt!: string | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Since when deliveries have failed without a success; null when healthy',
  })
  failingSince!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}

export class CreatedWebhookEndpointDto extends WebhookEndpointDto implements CreatedWebhookEndpointView {
  @ApiProperty({ example: 'whsec_…', description: 'Shown once: the Standard Webhooks signing secret' })
  secret!: string;
}

export class WebhookEndpointPageDto implements WebhookPage<WebhookEndpointView> {
  @ApiProperty({ type: [WebhookEndpointDto] })
  data!: WebhookEndpointDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last' })
  nextCursor!: string | null;
}

export class RotatedSecretDto implements RotatedSecretView {
  @ApiProperty({ example: 'whsec_…', description: 'Shown once: the new signing secret' })
  secret!: string;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Until when deliveries also carry a signature with the previous secret; null without a grace period',
  })
  previousSecretExpiresAt!: string | null;
}

export class RevealedSecretDto implements RevealedSecretView {
  @ApiProperty({ example: 'whsec_…', description: 'The current call-result signing secret; shown once' })
  secret!: string;

  @ApiProperty({ format: 'date-time', description: 'When this secret was made' })
  createdAt!: string;
}

export class WebhookTestDto implements WebhookTestView {
  @ApiProperty({ example: 'evt_1c2d…:we_8f3a…' })
  deliveryId!: string;

  @ApiProperty({ example: 'evt_1c2d…', description: 'The webhook-id header of the test delivery' })
  eventId!: string;
}

export class RecoveredDeliveriesDto implements WebhookRecoveryView {
  @ApiProperty({ example: 3, description: 'How many failed deliveries were queued again' })
  recovered!: number;
}

export class WebhookAttemptDto implements WebhookAttemptView {
  @ApiProperty({ example: 1 })
  attemptNumber!: number;

  @ApiProperty({ format: 'date-time' })
  attemptedAt!: string;

  @ApiProperty({ type: Number, nullable: true, description: 'null when no HTTP answer came' })
  statusCode!: number | null;

  @ApiProperty({ example: 120 })
  durationMs!: number;

  @ApiProperty({ type: String, nullable: true, description: 'The start of the answer body' })
  responseBody!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'TIMEOUT', description: 'Why no usable answer came' })
  error!: string | null;
}

export class WebhookDeliveryDto implements WebhookDeliveryView {
  @ApiProperty({ example: 'evt_1c2d…:we_8f3a…' })
  id!: string;

  @ApiProperty({
    example: 'we_8f3a…',
    description: 'The endpoint, or `wcr_…` for a call result sent to a caller’s URL',
  })
  endpointId!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Where it is sent when not the endpoint’s URL: the call’s `inputs.webhookUrl`',
  })
  url!: string | null;

  @ApiProperty({ example: 'evt_1c2d…' })
  eventId!: string;

  @ApiProperty({ example: 'WORKFLOW_RUN_COMPLETED' })
  eventType!: string;

  @ApiProperty({ enum: WEBHOOK_DELIVERY_STATUSES })
  status!: WebhookDeliveryStatus;

  @ApiProperty({ example: 1 })
  attemptCount!: number;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  nextAttemptAt!: string | null;

  @ApiProperty({ type: Number, nullable: true })
  lastStatusCode!: number | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  @ApiProperty({ type: [WebhookAttemptDto] })
  attempts!: WebhookAttemptDto[];
}

export class WebhookDeliveryPageDto implements WebhookPage<WebhookDeliveryView> {
  @ApiProperty({ type: [WebhookDeliveryDto] })
  data!: WebhookDeliveryDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last' })
  nextCursor!: string | null;
}

export class ReplayedDeliveryDto implements WebhookReplayView {
  @ApiProperty({ example: 'evt_1c2d…:we_8f3a…' })
  deliveryId!: string;

  @ApiProperty({ enum: WEBHOOK_DELIVERY_STATUSES, example: 'PENDING' })
  status!: WebhookDeliveryStatus;
}
