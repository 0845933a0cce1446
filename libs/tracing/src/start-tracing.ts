/**
 * OpenTelemetry for one service process. Off unless an OTLP endpoint is configured: then nothing
 * of the SDK is even loaded, and the code's spans go to the API's no-op tracer.
 *
 * This module must be loaded before anything it instruments (http, express, Nest, amqplib, the
 * MongoDB driver, undici): each service's `instrument.ts` calls startTracing and is the first
 * import of its main.ts. So it imports nothing at load time.
 */
interface StoppableSdk {
  shutdown(): Promise<void>;
}

let running: StoppableSdk | null = null;

/** Whether the standard OTEL_* variables ask for traces to be exported. */
export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  if ((env['OTEL_SDK_DISABLED'] ?? '').trim().toLowerCase() === 'true') return false;
  const exporters = (env['OTEL_TRACES_EXPORTER'] ?? 'otlp').split(',').map((name) => name.trim().toLowerCase());
  if (exporters.includes('none')) return false;
  return Boolean(env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] || env['OTEL_EXPORTER_OTLP_ENDPOINT']);
}

/** Health checks and metric scrapes are polled all day; they would each make a trace. */
const UNTRACED_PATHS = /^\/(health|metrics)(\/|\?|$)/;

/**
 * A URL as spans may show it: a query string can carry a token (webhook URLs often do), so it is
 * cut off; the path stays.
 */
export function urlWithoutQuery(url: string): string {
  const queryAt = url.indexOf('?');
  return queryAt === -1 ? url : `${url.slice(0, queryAt)}?…`;
}

/**
 * Starts tracing for `service` when OTEL_EXPORTER_OTLP_ENDPOINT (or the traces one) is set. The
 * exporter, its protocol (OTEL_EXPORTER_OTLP_PROTOCOL), sampling (OTEL_TRACES_SAMPLER) and batching
 * (OTEL_BSP_*) come from the standard variables. Only traces: metrics stay on /metrics and logs on
 * stdout.
 */
export function startTracing(service: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (running || !tracingRequested(env)) return false;
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded only when tracing is on */
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { HttpInstrumentation } =
    require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { NestInstrumentation } =
    require('@opentelemetry/instrumentation-nestjs-core') as typeof import('@opentelemetry/instrumentation-nestjs-core');
  const { AmqplibInstrumentation } =
    require('@opentelemetry/instrumentation-amqplib') as typeof import('@opentelemetry/instrumentation-amqplib');
  const { MongoDBInstrumentation } =
    require('@opentelemetry/instrumentation-mongodb') as typeof import('@opentelemetry/instrumentation-mongodb');
  const { UndiciInstrumentation } =
    require('@opentelemetry/instrumentation-undici') as typeof import('@opentelemetry/instrumentation-undici');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const sdk = new NodeSDK({
    serviceName: service,
    // Traces only: the services' metrics are Prometheus's, their logs go to stdout.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.test(request.url ?? ''),
        // Outgoing HTTP is undici's; node's http client is used only by the exporter itself.
        ignoreOutgoingRequestHook: () => true,
      }),
      new NestInstrumentation(),
      new AmqplibInstrumentation(),
      // Pollers and sweepers query on their own: their store operations join a trace only when
      // some traced work made them. Statements are recorded without values.
      new MongoDBInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false }),
      new UndiciInstrumentation({
        requireParentforSpans: true,
        requestHook: (span, request) => {
          if (!request.path.includes('?')) return;
          span.setAttribute('url.full', urlWithoutQuery(`${request.origin}${request.path}`));
          span.setAttribute('url.query', '?…');
        },
      }),
    ],
  });
  sdk.start();
  running = sdk;
  return true;
}

/** Sends the spans still buffered; called once the service has stopped its work. */
export async function stopTracing(): Promise<void> {
  const sdk = running;
  running = null;
  // An unreachable collector must not fail the stop: the spans are lost either way.
  await sdk?.shutdown().catch(() => undefined);
}
