import request from 'supertest';
import { Platform, waitFor } from '@wfp/testing';
import { createOrganization } from './support/fixtures';
import { HttpReceiver, type ReceivedRequest } from './support/http-receiver';
import { verifiedWebhook } from './support/webhook-sink';

/**
 * One trace per run request, through all four services: the four export OTLP/HTTP (JSON) to a
 * receiver on loopback, and the test reads the span tree it got.
 */

/** OTLP span kinds (opentelemetry-proto): what each side of a hop is. */
const SPAN_KIND = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;

interface ExportedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  links: Array<{ traceId: string }>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}

function valueOf(value: OtlpValue): unknown {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.boolValue !== undefined) return value.boolValue;
  return value.doubleValue;
}

function attributesOf(list: OtlpAttribute[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((attribute) => [attribute.key, valueOf(attribute.value)]));
}

/** Every span the collector received, flattened. */
function exportedSpans(collector: HttpReceiver): ExportedSpan[] {
  return collector.requestsTo('/v1/traces').flatMap((received) => {
    const body = JSON.parse(received.body) as {
      resourceSpans: Array<{
        resource: { attributes: OtlpAttribute[] };
        scopeSpans: Array<{
          spans: Array<{
            traceId: string;
            spanId: string;
            parentSpanId?: string;
            name: string;
            kind: number;
            attributes?: OtlpAttribute[];
            links?: Array<{ traceId: string }>;
          }>;
        }>;
      }>;
    };
    return body.resourceSpans.flatMap((resourceSpans) => {
      const service = String(attributesOf(resourceSpans.resource.attributes)['service.name']);
      return resourceSpans.scopeSpans.flatMap((scope) =>
        scope.spans.map((span) => ({
          service,
          traceId: span.traceId,
          spanId: span.spanId,
          parentSpanId: span.parentSpanId ?? '',
          name: span.name,
          kind: span.kind,
          attributes: attributesOf(span.attributes),
          links: (span.links ?? []).map((link) => ({ traceId: link.traceId })),
        })),
      );
    });
  });
}

/** The trace id a W3C `traceparent` header names. */
function traceIdOf(received: ReceivedRequest | undefined): string | undefined {
  const header = received?.headers['traceparent'];
  return typeof header === 'string' ? header.split('-')[1] : undefined;
}

describe('tracing: one trace from the API call to the webhook receiver (OTLP/HTTP to a local receiver)', () => {
  let collector: HttpReceiver;
  let receiver: HttpReceiver;
  let platform: Platform;
  let org: { id: string; apiKey: string };

  const api = () => request(platform.apiUrl);
  const auth = () => ({ Authorization: `Bearer ${org.apiKey}` });

  beforeAll(async () => {
    collector = await HttpReceiver.start();
    collector.on('/v1/traces', () => ({ status: 200, body: {} }));
    receiver = await HttpReceiver.start();
    receiver.on('/notify', () => ({ status: 201, body: { data: { id: 'T-7' } } }));
    receiver.on('/hooks', () => ({ status: 200 }));
    const tracing = {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    };
    platform = await Platform.start({
      'workflow-api': tracing,
      'contact-resolver': tracing,
      'workflow-processor': tracing,
      'webhook-dispatcher': tracing,
    });
    org = await createOrganization(platform.apiUrl, 'Traced Ltd');
  });

  afterAll(async () => {
    await platform?.stop();
    await receiver?.stop();
    await collector?.stop();
  });

  it('follows a run request through the broker, the resolver, every node and the deliveries, in one trace', async () => {
    const endpoint = await api()
      .post('/v1/webhook-endpoints')
      .set(auth())
      .send({ url: `${receiver.url}/hooks`, eventTypes: ['WORKFLOW_RUN_COMPLETED'] })
      .expect(201);
    const definition = {
      startNodeId: 'screen',
      nodes: [
        {
          id: 'screen',
          type: 'screeningOutreach',
          config: {
            channels: ['email'],
            replyWindowSeconds: 3600,
            questions: [{ slug: 'nmc-pin', text: 'Are you NMC registered?', preferredAnswer: 'IS_YES' }],
          },
          transitions: { onComplete: 'check' },
        },
        {
          id: 'check',
          type: 'condition',
          config: {
            branches: [
              {
                when: { all: [{ path: 'nodes.screen.outcome.status', op: 'eq', value: 'PASSED_CRITERIA' }] },
                target: 'notify',
              },
            ],
            else: null,
          },
        },
        {
          id: 'notify',
          type: 'webhook',
          config: {
            method: 'POST',
            url: `${receiver.url}/notify?token=hush-9f2c`,
            contentType: 'json',
            body: { candidate: '{{run.candidateProfileId}}' },
            timeoutSeconds: 2,
            retries: 0,
          },
          transitions: { onSuccess: 'done' },
        },
        { id: 'done', type: 'output', config: { value: { passed: true } } },
      ],
    };
    const workflow = await api()
      .post('/v1/workflows')
      .set(auth())
      .send({ name: 'traced', externalId: 'traced-1', definition })
      .expect(201);
    const workflowId: string = workflow.body.id;
    await api().post(`/v1/workflows/${workflowId}/publish`).set(auth()).expect(201);
    const accepted = await api()
      .post(`/v1/workflows/${workflowId}/runs`)
      .set(auth())
      .send({ triggerSource: 'API', contacts: [{ externalId: 'ats-trace', email: 'ada.trace@example.com' }] })
      .expect(202);
    const runId: string = accepted.body.runIds[0];

    const hook = await waitFor(() => receiver.requestsTo('/hooks').find((received) => received.body.includes(runId)), {
      what: 'the WORKFLOW_RUN_COMPLETED delivery',
      timeoutMs: 30_000,
    });
    expect(verifiedWebhook(hook, endpoint.body.secret).event).toBe('WORKFLOW_RUN_COMPLETED');

    // The request's own span: the gateway's server span for the run request.
    const root = await waitFor(
      () =>
        exportedSpans(collector).find(
          (span) =>
            span.service === 'workflow-api' &&
            span.kind === SPAN_KIND.server &&
            String(span.attributes['url.path'] ?? span.attributes['http.target'] ?? '').endsWith(
              `/v1/workflows/${workflowId}/runs`,
            ),
        ),
      { what: "the run request's server span" },
    );
    const inTrace = () => exportedSpans(collector).filter((span) => span.traceId === root.traceId);
    const deliverSpan = (spans: ExportedSpan[]) =>
      spans.find(
        (span) =>
          span.name === 'webhook.deliver' &&
          span.attributes['eventType'] === 'WORKFLOW_RUN_COMPLETED' &&
          span.attributes['runId'] === runId,
      );
    // Batches leave each service every 100 ms, and a consumer's span ends with its ack: wait until
    // the last hop's span has come and no span's parent is still missing.
    const complete = (found: ExportedSpan[]) => {
      const ids = new Set(found.map((span) => span.spanId));
      return found.every((span) => span.spanId === root.spanId || ids.has(span.parentSpanId));
    };
    const spans = await waitFor(
      () => {
        const found = inTrace();
        return deliverSpan(found) && complete(found) ? found : undefined;
      },
      { what: 'the spans of the whole run', timeoutMs: 30_000 },
    );
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const parentOf = (span: ExportedSpan) => byId.get(span.parentSpanId);
    const ancestors = (span: ExportedSpan): ExportedSpan[] => {
      const chain: ExportedSpan[] = [];
      for (let current = parentOf(span); current; current = parentOf(current)) chain.push(current);
      return chain;
    };

    // All four services are in the one trace, and every span hangs from the request's span.
    expect(new Set(spans.map((span) => span.service))).toEqual(
      new Set(['workflow-api', 'contact-resolver', 'workflow-processor', 'webhook-dispatcher']),
    );
    expect(root.parentSpanId).toBe('');
    const detached = spans.filter(
      (span) => span.spanId !== root.spanId && !ancestors(span).some((ancestor) => ancestor.spanId === root.spanId),
    );
    expect(detached.map((span) => `${span.service}: ${span.name}`)).toEqual([]);

    // Across the broker, each consumer's span is the child of its producer's.
    const hop = (from: string, to: string) =>
      spans.find(
        (span) =>
          span.service === to &&
          span.kind === SPAN_KIND.consumer &&
          parentOf(span)?.service === from &&
          parentOf(span)?.kind === SPAN_KIND.producer,
      );
    expect(hop('workflow-api', 'contact-resolver')).toBeDefined();
    expect(hop('contact-resolver', 'workflow-processor')).toBeDefined();
    expect(hop('workflow-processor', 'webhook-dispatcher')).toBeDefined();

    const identity = { organizationId: org.id, workflowId, runId };
    const resolution = spans.find((span) => span.name === 'contact.resolve');
    expect(resolution?.attributes).toMatchObject({ ...identity, candidateProfileId: expect.stringMatching(/^cp_/) });
    expect(ancestors(resolution!).some((span) => span.kind === SPAN_KIND.consumer)).toBe(true);

    // Every node: executed (or, for the screening, completed by the outcome) in the run's trace.
    const nodeSpans = spans.filter((span) => span.name === 'node.execute' || span.name === 'node.complete');
    for (const nodeId of ['screen', 'check', 'notify', 'done']) {
      expect(nodeSpans.find((span) => span.attributes['nodeId'] === nodeId)?.attributes).toMatchObject(identity);
    }
    // The outcome came in its own request (the messaging provider's callback): linked, not parented.
    const completion = nodeSpans.find((span) => span.name === 'node.complete');
    expect(completion?.links.some((link) => link.traceId !== root.traceId)).toBe(true);

    // The webhook node's call is a client span under its node, and its target saw this trace.
    const notifyNode = nodeSpans.find((span) => span.attributes['nodeId'] === 'notify')!;
    const call = spans.find((span) => span.kind === SPAN_KIND.client && parentOf(span) === notifyNode);
    expect(call?.attributes['url.full']).toBe(`${receiver.url}/notify?…`);
    expect(traceIdOf(receiver.requestsTo('/notify').find((received) => received.body.includes('cp_')))).toBe(
      root.traceId,
    );

    // The delivery attempt, and the subscribed endpoint saw the same trace.
    expect(deliverSpan(spans)?.attributes).toMatchObject({
      organizationId: org.id,
      endpointId: endpoint.body.id,
      workflowId,
      attempt: 1,
    });
    expect(traceIdOf(hook)).toBe(root.traceId);

    // No secret, contact detail or body leaves in a span.
    const exported = collector
      .requestsTo('/v1/traces')
      .map((received) => received.body)
      .join('\n');
    for (const secret of [org.apiKey, endpoint.body.secret, 'ada.trace@example.com', 'hush-9f2c', 'T-7']) {
      expect(exported).not.toContain(secret);
    }
  });
});
