import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import {
  continuing,
  currentTraceCarrier,
  inSpan,
  spanAttributes,
  traceContextOf,
  traceField,
  withTraceContext,
} from './spans';
import { tracingRequested, urlWithoutQuery } from './start-tracing';

describe('tracingRequested', () => {
  it('is on only when an OTLP endpoint is set and nothing turns it off', () => {
    expect(tracingRequested({})).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBe(true);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' })).toBe(true);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x', OTEL_SDK_DISABLED: 'true' })).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x', OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
  });
});

describe('urlWithoutQuery', () => {
  it('cuts off the query string, where tokens live', () => {
    expect(urlWithoutQuery('https://hooks.example.com/in?token=abc&x=1')).toBe('https://hooks.example.com/in?…');
    expect(urlWithoutQuery('https://hooks.example.com/in')).toBe('https://hooks.example.com/in');
  });
});

describe('spans', () => {
  it('with tracing off, carry nothing and still run the work', async () => {
    expect(currentTraceCarrier()).toBeUndefined();
    expect(traceField()).toEqual({});
    await expect(inSpan('work', {}, async () => 7)).resolves.toBe(7);
  });

  describe('with a tracer provider', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    const contextManager = new AsyncLocalStorageContextManager();

    beforeAll(() => {
      context.setGlobalContextManager(contextManager.enable());
      propagation.setGlobalPropagator(new W3CTraceContextPropagator());
      trace.setGlobalTracerProvider(provider);
    });
    afterAll(async () => {
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    });
    beforeEach(() => exporter.reset());

    const finished = (name: string) => exporter.getFinishedSpans().find((span) => span.name === name)!;

    it('keep only ids among the attributes, dropping empty ones', () => {
      expect(spanAttributes({ organizationId: 'org_1', runId: null, workflowId: undefined, attempt: 2 })).toEqual({
        organizationId: 'org_1',
        attempt: 2,
      });
    });

    it('mark a failure with its class only, never its message', async () => {
      await expect(
        inSpan('failing', {}, async () => {
          throw new TypeError('connect ECONNREFUSED 10.0.0.7 with token=abc');
        }),
      ).rejects.toThrow(TypeError);
      const span = finished('failing');
      expect(span.status).toEqual({ code: 2, message: 'TypeError' });
      expect(JSON.stringify(span.attributes)).not.toContain('10.0.0.7');
      expect(span.events).toEqual([]);
    });

    it('store the active context and put later work back under it', async () => {
      const carrier = await inSpan('request', {}, async () => currentTraceCarrier());
      expect(carrier?.['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      await withTraceContext(carrier, () => inSpan('later', {}, async () => undefined));
      const request = finished('request');
      const later = finished('later');
      expect(later.spanContext().traceId).toBe(request.spanContext().traceId);
      expect(later.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    });

    it('continue a stored trace from work in another one, linking that other one', async () => {
      const stored = await inSpan('run started', {}, async () => currentTraceCarrier());
      await inSpan('outcome callback', {}, () => inSpan('node completed', continuing(stored), async () => undefined));
      const started = finished('run started');
      const callback = finished('outcome callback');
      const node = finished('node completed');
      expect(node.spanContext().traceId).toBe(started.spanContext().traceId);
      expect(node.parentSpanContext?.spanId).toBe(started.spanContext().spanId);
      expect(node.links.map((link) => link.context.traceId)).toEqual([callback.spanContext().traceId]);
    });

    it('do not link work that is already in the stored trace', async () => {
      await inSpan('consumer', {}, async () => {
        const stored = currentTraceCarrier();
        await inSpan('node', continuing(stored), async () => undefined);
      });
      expect(finished('node').links).toEqual([]);
    });

    it('fall back to the active context when nothing was stored', async () => {
      const active = context.active();
      expect(traceContextOf(undefined, active)).toBe(active);
    });
  });
});
