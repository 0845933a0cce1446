import {
  IsArray,
  IsIn,
  IsInt,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateIf,
  ValidateNested,
  type ValidationArguments,
} from 'class-validator';
import { isPlainObject } from '../json-value';
import { IDENTIFIER_PATTERN } from '../names';
import { TEMPLATE_PATTERN } from '../template';
import { urlTemplateFrame } from '../url-template';
import { HasUniqueValuesOf, IsDotPath, IsHeaderRecord, IsJsonValue, OptionalButNotNull } from './config-validators';

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];
/** Requests with these methods carry no body. */
export const BODYLESS_HTTP_METHODS: readonly HttpMethod[] = ['GET', 'HEAD'];

export const WEBHOOK_CONTENT_TYPES = ['json', 'xml', 'form'] as const;
export type WebhookContentType = (typeof WEBHOOK_CONTENT_TYPES)[number];

export const DEFAULT_WEBHOOK_CONTENT_TYPE: WebhookContentType = 'json';
export const DEFAULT_WEBHOOK_TIMEOUT_SECONDS = 10;
export const MAX_WEBHOOK_TIMEOUT_SECONDS = 60;
export const DEFAULT_WEBHOOK_RETRIES = 2;
export const MAX_WEBHOOK_RETRIES = 5;
export const MAX_WEBHOOK_URL_LENGTH = 2048;

/**
 * The scheme is literal so a template can never choose the protocol; templates (which may
 * contain spaces inside their braces) may follow it, anything else must be space-free.
 */
export function isHttpUrlTemplate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const withoutTemplates = value.replace(TEMPLATE_PATTERN, 'x');
  // Templates may fill the path, query or fragment, never the scheme, host or port.
  return /^https?:\/\/\S+$/i.test(withoutTemplates) && urlTemplateFrame(value) !== null;
}

/** Copies `name` (a dot path into the JSON response body) into the run variable `variable`. */
export interface WebhookVariableMapping {
  name: string;
  variable: string;
}

/** Config of `webhook` nodes (an HTTP request made by the processor). */
export interface WebhookConfig {
  method: HttpMethod;
  url: string;
  headers?: Record<string, string>;
  /** Defaults to DEFAULT_WEBHOOK_CONTENT_TYPE. */
  contentType?: WebhookContentType;
  /** Any JSON value; may contain templates. Not allowed for GET and HEAD. */
  body?: unknown;
  /** Defaults to DEFAULT_WEBHOOK_TIMEOUT_SECONDS. */
  timeoutSeconds?: number;
  setVariables?: WebhookVariableMapping[];
  /** Defaults to DEFAULT_WEBHOOK_RETRIES. */
  retries?: number;
}

export class WebhookVariableMappingDto implements WebhookVariableMapping {
  @IsString()
  @IsDotPath()
  name!: string;

  @IsString()
  @Matches(IDENTIFIER_PATTERN, {
    message: 'variable must be an identifier (letters, digits and _, not starting with a digit)',
  })
  variable!: string;
}

/**
 * The body must fit the method and the content type: none for GET/HEAD; an object, array or
 * string for json; a string for xml; an object of scalar fields for form.
 */
function IsBodyForRequest(): PropertyDecorator {
  const problem = (body: unknown, request: Partial<WebhookConfig>): string | null => {
    if (typeof request.method === 'string' && (BODYLESS_HTTP_METHODS as readonly string[]).includes(request.method)) {
      return `body is not allowed for ${request.method} requests`;
    }
    const contentType = request.contentType ?? DEFAULT_WEBHOOK_CONTENT_TYPE;
    if (contentType === 'xml' && typeof body !== 'string') return 'body must be a string for contentType xml';
    if (contentType === 'form') {
      const scalarFields =
        isPlainObject(body) &&
        Object.values(body).every((value) => ['string', 'number', 'boolean'].includes(typeof value));
      return scalarFields ? null : 'body must be an object of string, number or boolean fields for contentType form';
    }
    if (contentType === 'json' && !(typeof body === 'string' || Array.isArray(body) || isPlainObject(body))) {
      return 'body must be an object, an array or a string';
    }
    return null;
  };
  return ValidateBy({
    name: 'isBodyForRequest',
    validator: {
      validate: (value, args) => problem(value, (args?.object ?? {}) as Partial<WebhookConfig>) === null,
      defaultMessage: (args?: ValidationArguments) =>
        problem(args?.value, (args?.object ?? {}) as Partial<WebhookConfig>) ?? 'body is invalid',
    },
  });
}

export class WebhookConfigDto implements WebhookConfig {
  @IsIn(HTTP_METHODS)
  method!: HttpMethod;

  @IsString()
  @MaxLength(MAX_WEBHOOK_URL_LENGTH)
  @ValidateBy({
    name: 'isHttpUrlTemplate',
    validator: {
      validate: isHttpUrlTemplate,
      defaultMessage: () =>
        'url must start with http:// or https:// and contain no spaces; templates may only follow the host and port (after a /, ? or #), which must be written out',
    },
  })
  url!: string;

  @OptionalButNotNull()
  @IsHeaderRecord()
  headers?: Record<string, string>;

  @OptionalButNotNull()
  @IsIn(WEBHOOK_CONTENT_TYPES)
  contentType?: WebhookContentType;

  @ValidateIf((_object, value) => value !== undefined)
  @IsJsonValue()
  @IsBodyForRequest()
  body?: unknown;

  @OptionalButNotNull()
  @IsInt()
  @Min(1)
  @Max(MAX_WEBHOOK_TIMEOUT_SECONDS)
  timeoutSeconds?: number;

  @OptionalButNotNull()
  @IsArray()
  @ValidateNested({ each: true, message: 'each entry must be an object { name, variable }' })
  @HasUniqueValuesOf('variable')
  setVariables?: WebhookVariableMappingDto[];

  @OptionalButNotNull()
  @IsInt()
  @Min(0)
  @Max(MAX_WEBHOOK_RETRIES)
  retries?: number;
}
