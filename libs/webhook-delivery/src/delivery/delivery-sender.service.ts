import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { errors, request, type Agent } from 'undici';
import { createGuardedAgent, isForbiddenTarget, readBodyLimited } from '@wfp/outbound-http';
import { signedHeaders } from '@wfp/webhook-signature';
import { DELIVERY_OPTIONS, type DeliveryOptions } from '../delivery-options';
import { parseRetryAfter } from './retry-schedule';
import { MAX_STORED_RESPONSE_CHARS } from './webhook-delivery.schema';

/** What one HTTP attempt came to. Only 2xx is success. */
export interface AttemptOutcome {
  ok: boolean;
  statusCode: number | null;
  durationMs: number;
  responseBody: string | null;
  /** TIMEOUT, CONNECTION_ERROR or FORBIDDEN_TARGET when no HTTP answer came. */
  error: string | null;
  retryAfterMs: number | null;
}

export interface SignedDelivery {
  url: string;
  /** The webhook-id: the event id, the same on every attempt so receivers can dedupe. */
  eventId: string;
  body: string;
  secrets: readonly string[];
}

const USER_AGENT = 'workflow-platform-webhooks/1';

/**
 * Sends one signed POST. Keep-alive connections are pooled per origin by one undici agent,
 * whose DNS lookup refuses forbidden addresses on every connection; redirects are not followed
 * (a 3xx is a failed attempt), so a redirect cannot lead to a private address either.
 */
@Injectable()
export class DeliverySenderService implements OnApplicationShutdown {
  private readonly agent: Agent;

  constructor(@Inject(DELIVERY_OPTIONS) private readonly options: DeliveryOptions) {
    // Per origin, not per endpoint: several endpoints can share a host, and one slow endpoint must
    // not hold the connections another needs. EndpointSlots bounds each endpoint.
    this.agent = createGuardedAgent(options.addressPolicy, { connections: options.maxConcurrency });
  }

  async send(delivery: SignedDelivery): Promise<AttemptOutcome> {
    const timestamp = Math.floor(Date.now() / 1000);
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const timeoutMs = this.options.requestTimeoutMs;
    try {
      const response = await request(delivery.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': USER_AGENT,
          ...signedHeaders(delivery.eventId, timestamp, delivery.body, delivery.secrets),
        },
        body: delivery.body,
        dispatcher: this.agent,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const { text, truncated } = await readBodyLimited(response.body, MAX_STORED_RESPONSE_CHARS * 4);
      const statusCode = response.statusCode;
      const ok = statusCode >= 200 && statusCode < 300;
      return {
        ok,
        statusCode,
        durationMs: elapsed(),
        responseBody: storedBody(text, truncated),
        error: null,
        retryAfterMs: ok ? null : parseRetryAfter(response.headers['retry-after'], Date.now()),
      };
    } catch (error) {
      return {
        ok: false,
        statusCode: null,
        durationMs: elapsed(),
        responseBody: null,
        error: errorKind(error),
        retryAfterMs: null,
      };
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.agent.close();
  }
}

function storedBody(text: string, truncated: boolean): string | null {
  if (text.length === 0) return null;
  if (!truncated && text.length <= MAX_STORED_RESPONSE_CHARS) return text;
  return `${text.slice(0, MAX_STORED_RESPONSE_CHARS)}… (truncated)`;
}

/** A short, stable description: the receiver sees nothing of it, SREs see it in the delivery log. */
function errorKind(error: unknown): string {
  if (isForbiddenTarget(error)) return 'FORBIDDEN_TARGET';
  if (
    error instanceof errors.HeadersTimeoutError ||
    error instanceof errors.BodyTimeoutError ||
    error instanceof errors.ConnectTimeoutError ||
    (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
  )
    return 'TIMEOUT';
  return 'CONNECTION_ERROR';
}
