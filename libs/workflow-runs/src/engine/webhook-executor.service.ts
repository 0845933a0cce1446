import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { request, type Agent } from 'undici';
import { assertUrlAllowed, createGuardedAgent, ForbiddenTargetError, readBodyLimited } from '@wfp/outbound-http';
import {
  DEFAULT_WEBHOOK_RETRIES,
  DEFAULT_WEBHOOK_TIMEOUT_SECONDS,
  breaksHeaderLine,
  escapeXml,
  renderTemplate,
  renderTextTemplate,
  renderUrlTemplate,
  resolvePath,
  storableJson,
  storableJsonProblem,
  type ConfiguredNodeOf,
  type RunScope,
  type WebhookConfig,
} from '@wfp/workflow-graph';
import { ENGINE_OPTIONS, sleep, type EngineOptions } from './engine.options';
import type { NodeAttempts } from '../run.schema';
import type { ExecutionResult, NodeResult } from './node-result';

/** Response bodies are kept in the run context only up to this size. */
const MAX_STORED_BODY_CHARS = 4096;
/** Larger responses are not read (and not parsed for variables). */
const MAX_RESPONSE_BYTES = 1024 * 1024;

interface PreparedRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

/**
 * The request a node makes, or why it cannot be made. Values rendered into the URL are encoded for
 * their position and may not change its origin or climb its path; a header value may not break
 * its line; values rendered into an XML body are escaped for XML.
 */
function prepare(config: WebhookConfig, scope: RunScope, idempotencyKey: string): PreparedRequest | string {
  const rendered = renderUrlTemplate(config.url, scope);
  if (!rendered.ok) return rendered.problem;
  const url = rendered.url;
  const headers: Record<string, string> = { 'idempotency-key': idempotencyKey };
  for (const [name, value] of Object.entries(config.headers ?? {})) {
    const text = String(renderTemplate(value, scope) ?? '');
    if (breaksHeaderLine(text)) return `the value of header ${name} contains a line break after templating`;
    headers[name.toLowerCase()] = text;
  }
  if (config.body === undefined || config.method === 'GET' || config.method === 'HEAD') {
    return { url, method: config.method, headers };
  }
  if ((config.contentType ?? 'json') === 'xml') {
    headers['content-type'] ??= 'application/xml';
    const xml = typeof config.body === 'string' ? renderTextTemplate(config.body, scope, escapeXml) : '';
    return { url, method: config.method, headers, body: xml };
  }
  const body = renderTemplate(config.body, scope);
  switch (config.contentType ?? 'json') {
    case 'form':
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
      return {
        url,
        method: config.method,
        headers,
        body: new URLSearchParams(
          Object.entries((body ?? {}) as Record<string, unknown>).map(([key, value]): [string, string] => [
            key,
            String(value ?? ''),
          ]),
        ).toString(),
      };
    default:
      headers['content-type'] ??= 'application/json';
      return { url, method: config.method, headers, body: JSON.stringify(body ?? null) };
  }
}

function parseBody(text: string, contentType: string | undefined): unknown {
  if (text.length === 0) return null;
  if (contentType?.includes('json') || /^[[{]/.test(text.trim())) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/** The response body as the run keeps it: itself when small and storable, else (cut) JSON text. */
function storedBody(body: unknown): unknown {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  if (text.length > MAX_STORED_BODY_CHARS) return `${text.slice(0, MAX_STORED_BODY_CHARS)}… (truncated)`;
  // The text is already made: a body the store would refuse as fields is kept as it.
  return storableJsonProblem(body, 'body') === null ? body : text;
}

/**
 * The HTTP request node (seeds/webhook-module.txt): templated method, URL, headers and JSON / XML /
 * form body; a timeout; 2xx routes onSuccess and sets variables from the response by dot path.
 * 5xx, timeouts and connection errors are retried, then route onFailure as DOWNSTREAM_SERVICE_ERROR;
 * other non-2xx answers route onFailure as EXECUTOR_FAILED. At-least-once: a crash after the call
 * and before the run is stored repeats it, with the same Idempotency-Key header.
 */
@Injectable()
export class WebhookExecutorService implements OnApplicationShutdown {
  private readonly agent: Agent;

  constructor(@Inject(ENGINE_OPTIONS) private readonly options: EngineOptions) {
    this.agent = createGuardedAgent(options.addressPolicy);
  }

  /**
   * Makes the node's attempts from where `previous` left them. Past `deadline` (the message's
   * time budget) the remaining attempts are left for the next message ('unfinished'); at least one
   * attempt is made per call, so every message moves the node on.
   */
  async execute(
    node: ConfiguredNodeOf<'webhook'>,
    scope: RunScope,
    idempotencyKey: string,
    { previous = null, deadline = Infinity }: { previous?: NodeAttempts | null; deadline?: number } = {},
  ): Promise<ExecutionResult> {
    const { config } = node;
    const prepared = prepare(config, scope, idempotencyKey);
    if (typeof prepared === 'string')
      return { type: 'failed', errorCode: 'INVALID_NODE_CONFIG', step: { error: prepared } };
    try {
      assertUrlAllowed(prepared.url, this.options.addressPolicy);
    } catch {
      return this.failure('EXECUTOR_FAILED', null, 0, 'target address not allowed');
    }
    const timeoutMs = (config.timeoutSeconds ?? DEFAULT_WEBHOOK_TIMEOUT_SECONDS) * 1000;
    const retries = config.retries ?? DEFAULT_WEBHOOK_RETRIES;
    const resumed = previous?.nodeId === node.id ? previous : null;
    let made = resumed?.made ?? 0;
    let lastStatus = resumed?.lastStatusCode ?? null;
    let lastError = resumed?.lastError ?? '';
    let notBefore = resumed ? new Date(resumed.nextAttemptAt).getTime() : 0;
    for (let madeHere = 0; made <= retries; madeHere += 1) {
      const waitMs = Math.max(0, notBefore - Date.now());
      if (madeHere > 0 && Date.now() + waitMs >= deadline) {
        const attempts = {
          nodeId: node.id,
          made,
          nextAttemptAt: new Date(notBefore),
          lastStatusCode: lastStatus,
          lastError,
        };
        return { type: 'unfinished', attempts };
      }
      if (waitMs > 0) await sleep(waitMs);
      made += 1;
      const started = Date.now();
      try {
        const response = await request(prepared.url, {
          method: prepared.method as 'GET',
          headers: prepared.headers,
          body: prepared.body,
          dispatcher: this.agent,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
          signal: AbortSignal.timeout(timeoutMs),
        });
        const { text } = await readBodyLimited(response.body, MAX_RESPONSE_BYTES);
        const durationMs = Date.now() - started;
        const status = response.statusCode;
        const body = parseBody(text, String(response.headers['content-type'] ?? ''));
        if (status >= 200 && status < 300) {
          // Stored in the run: a value the store refuses as fields ($schema, $ref or dotted keys,
          // common in JSON Schema documents) is kept as its JSON text instead.
          const vars: Record<string, unknown> = {};
          for (const mapping of config.setVariables ?? [])
            vars[mapping.variable] = storableJson(resolvePath(body, mapping.name) ?? null);
          return {
            type: 'routed',
            routingEvent: 'onSuccess',
            outcome: { kind: 'empty' },
            step: { statusCode: status, durationMs, body: storedBody(body) },
            vars,
          };
        }
        lastStatus = status;
        if (status < 500) return this.failure('EXECUTOR_FAILED', status, durationMs);
        lastError = `HTTP ${status}`;
      } catch (error) {
        if (error instanceof ForbiddenTargetError)
          return this.failure('EXECUTOR_FAILED', null, 0, 'target address not allowed');
        lastStatus = null;
        lastError = error instanceof Error ? error.name : 'request failed';
      }
      notBefore = Date.now() + this.options.retryBackoffMs * 2 ** (made - 1);
    }
    return this.failure('DOWNSTREAM_SERVICE_ERROR', lastStatus, 0, lastError);
  }

  private failure(
    code: 'EXECUTOR_FAILED' | 'DOWNSTREAM_SERVICE_ERROR',
    status: number | null,
    durationMs: number,
    error?: string,
  ): NodeResult {
    return {
      type: 'routed',
      routingEvent: 'onFailure',
      outcome: { kind: 'empty' },
      step: { statusCode: status, durationMs, ...(error ? { error } : {}) },
      failureCode: code,
      failedStatusCode: status,
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.agent.close();
  }
}
