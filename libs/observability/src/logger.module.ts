import { Module, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LogContextService } from './log-context.service';

export const CORRELATION_ID_HEADER = 'x-correlation-id';

/** The service's name as given to createLoggerModule; MetricsRegistryService uses it as the `service` label. */
export const SERVICE_NAME_TOKEN = Symbol('SERVICE_NAME_TOKEN');

/** Frequent operational requests (probes, scrapes) that would drown the request log. */
const UNLOGGED_PATHS = ['/health', '/metrics'];

@Module({})
class ObservabilityLoggerModule {}

/**
 * JSON logs through pino. Each HTTP request gets a correlation id (the caller's `X-Correlation-Id`
 * when it sends a sane one), which is echoed back and logged with every line of the request.
 * Also provides the service name (SERVICE_NAME_TOKEN) to the whole application.
 */
export function createLoggerModule(options: { service: string; level: string }): DynamicModule {
  const pino = LoggerModule.forRoot({
    pinoHttp: {
      level: options.level,
      base: { service: options.service },
      messageKey: 'message',
      genReqId: (request: IncomingMessage, response) => {
        const given = request.headers[CORRELATION_ID_HEADER];
        const id = typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
        response.setHeader(CORRELATION_ID_HEADER, id);
        return id;
      },
      // Bound to the request's logger, so every line logged while serving it carries the id.
      customAttributeKeys: { reqId: 'correlationId' },
      quietReqLogger: true,
      autoLogging: { ignore: (request) => UNLOGGED_PATHS.some((path) => request.url?.startsWith(path) ?? false) },
      redact: ['req.headers.authorization', 'req.headers.cookie'],
      serializers: {
        req: (request: { method: string; url: string }) => ({ method: request.method, url: request.url }),
        res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
      },
    },
  });
  return {
    module: ObservabilityLoggerModule,
    global: true,
    imports: [pino],
    providers: [{ provide: SERVICE_NAME_TOKEN, useValue: options.service }, LogContextService],
    exports: [SERVICE_NAME_TOKEN, LogContextService],
  };
}
