import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
} from '@opentelemetry/api';

export { SpanKind } from '@opentelemetry/api';

/**
 * The platform's own spans (the work between what the instrumentations see): contact resolution,
 * node execution, delivery attempts. With tracing off they are the API's no-op spans.
 */
const tracer = trace.getTracer('workflow-platform');

/** W3C trace context as a message or a stored record carries it (`traceparent`, `tracestate`). */
export type TraceCarrier = Record<string, string>;

/**
 * What a span says about the work it covers: ids only, never secrets, contact details or bodies.
 * The names are the ones SREs search by in every service.
 */
export interface WorkAttributes {
  organizationId?: string;
  workflowId?: string | null;
  workflowVersionId?: string | null;
  runId?: string | null;
  nodeId?: string;
  nodeType?: string;
  candidateProfileId?: string | null;
  endpointId?: string;
  eventId?: string;
  eventType?: string;
  messageType?: string;
  attempt?: number;
}

export function spanAttributes(fields: WorkAttributes): Attributes {
  const attributes: Attributes = {};
  for (const [name, value] of Object.entries(fields)) {
    if (value !== undefined && value !== null) attributes[name] = value as string | number;
  }
  return attributes;
}

/** The active trace context, to store with work that continues elsewhere; undefined when untraced. */
export function currentTraceCarrier(): TraceCarrier | undefined {
  const carrier: TraceCarrier = {};
  propagation.inject(context.active(), carrier);
  return carrier['traceparent'] ? carrier : undefined;
}

/** The context a stored carrier names; `fallback` when there is none. */
export function traceContextOf(carrier: TraceCarrier | undefined, fallback: Context = context.active()): Context {
  return carrier?.['traceparent'] ? propagation.extract(ROOT_CONTEXT, carrier) : fallback;
}

/** A link to the trace a carrier names, for work that continues a trace it is not a child of. */
export function linkTo(carrier: TraceCarrier | undefined): Link[] {
  if (!carrier?.['traceparent']) return [];
  const spanContext = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, carrier));
  return spanContext ? [{ context: spanContext }] : [];
}

export interface SpanOptions {
  attributes?: WorkAttributes;
  /** The parent: the active context unless given (e.g. the context a stored record carries). */
  parent?: Context;
  links?: Link[];
  kind?: SpanKind;
}

/**
 * Runs `work` in a new active span. A failure marks the span with its error's class only: error
 * messages can carry addresses or input, and traces leave the system.
 */
export async function inSpan<T>(name: string, options: SpanOptions, work: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(
    name,
    {
      kind: options.kind ?? SpanKind.INTERNAL,
      attributes: spanAttributes(options.attributes ?? {}),
      links: options.links,
    },
    options.parent ?? context.active(),
    async (span) => {
      try {
        return await work(span);
      } catch (error) {
        const errorType = error instanceof Error ? error.name : typeof error;
        span.setAttribute('error.type', errorType);
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorType });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** Runs `work` with the context a carrier names active (e.g. to publish a stored message in its trace). */
export function withTraceContext<T>(carrier: TraceCarrier | undefined, work: () => T): T {
  return carrier?.['traceparent'] ? context.with(traceContextOf(carrier), work) : work();
}

/** Adds what became known during the work (e.g. the profile a contact resolved to) to its span. */
export function annotateActiveSpan(fields: WorkAttributes): void {
  trace.getActiveSpan()?.setAttributes(spanAttributes(fields));
}

/**
 * Where work on something with a stored trace goes: under that trace (a run's node spans stay in
 * its request's trace whichever message advances it), linked to the trace of the work doing it
 * now when that is another one.
 */
export function continuing(carrier: TraceCarrier | undefined): Pick<SpanOptions, 'parent' | 'links'> {
  const parent = traceContextOf(carrier);
  const current = trace.getSpanContext(context.active());
  const stored = trace.getSpanContext(parent);
  const links = current && stored && current.traceId !== stored.traceId ? [{ context: current }] : [];
  return { parent, links };
}

/** `{ trace }` with the active trace context, to spread into a record stored for later work; `{}` untraced. */
export function traceField(): { trace?: TraceCarrier } {
  const trace = currentTraceCarrier();
  return trace ? { trace } : {};
}
