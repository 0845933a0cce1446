import { type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const CORRELATION_ID_HEADER = 'x-correlation-id';

/**
 * JSON logs through pino. Each HTTP request gets a correlation id (the caller's `X-Correlation-Id`
 * when it sends a sane one), which is echoed back and logged with every line of the request.
 */
export function createLoggerModule(options: { service: string; level: string }): DynamicModule {
  return LoggerModule.forRoot({
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
      customAttributeKeys: { reqId: 'correlationId' },
      autoLogging: { ignore: (request) => request.url?.startsWith('/health') ?? false },
      redact: ['req.headers.authorization', 'req.headers.cookie'],
      serializers: {
        req: (request: { method: string; url: string }) => ({ method: request.method, url: request.url }),
      },
    },
  });
}
