import { Logger as NestLogger, type INestApplication, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { ConfigValidationError } from '@wfp/config';
import { connectMessageConsumers } from '@wfp/messaging';
import { stopTracing } from '@wfp/tracing';

export interface ServiceStartOptions {
  /** Root module of the service, already configured. */
  module: Type<unknown> | ReturnType<typeof Object>;
  port: number;
  host: string;
  /** Whether this service consumes from its queues (all but the gateway). */
  consumesMessages: boolean;
  /** Limit for a graceful stop on SIGTERM; the process exits anyway after it. */
  shutdownTimeoutMs: number;
  /** Keep each request's raw body (`req.rawBody`), e.g. to verify signatures. */
  rawBody?: boolean;
  /** Extra HTTP set-up (pipes, filters, OpenAPI) before the server listens. */
  configure?: (app: INestApplication) => void | Promise<void>;
}

/**
 * Creates, wires and starts one service: JSON logs, HTTP on the given port, message consumers,
 * and a graceful stop on SIGTERM/SIGINT (stop consuming, finish in-flight work, close connections).
 */
export async function startService(options: ServiceStartOptions): Promise<INestApplication> {
  const app = await NestFactory.create(options.module as Type<unknown>, {
    bufferLogs: true,
    rawBody: options.rawBody ?? false,
  });
  app.useLogger(app.get(Logger));
  await options.configure?.(app);
  if (options.consumesMessages) {
    connectMessageConsumers(app);
    await app.startAllMicroservices();
  }
  await app.listen(options.port, options.host);
  stopGracefullyOnSignals(app, options.shutdownTimeoutMs);
  return app;
}

/** Returns the port the HTTP server actually listens on (useful with port 0 in tests). */
export function listeningPort(app: INestApplication): number {
  const address = app.getHttpServer().address();
  return typeof address === 'object' && address ? address.port : 0;
}

/**
 * On SIGTERM/SIGINT: stop consuming, let in-flight messages and requests finish, close the broker
 * and database connections, then exit 0. If that takes longer than the timeout, exit 1 anyway.
 */
function stopGracefullyOnSignals(app: INestApplication, timeoutMs: number): void {
  const logger = new NestLogger('Shutdown');
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal} received: stopping gracefully`);
    setTimeout(() => {
      logger.error(`graceful shutdown took longer than ${timeoutMs} ms; exiting`);
      process.exit(1);
    }, timeoutMs).unref();
    app
      .close()
      // Buffered spans go out last, so the work of the stop itself is in them.
      .then(() => stopTracing())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error(`shutdown failed: ${String(error)}`);
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/**
 * Entry point of a service process: a configuration error is printed as a plain message naming
 * the variables (no stack trace) and exits with code 78 (EX_CONFIG); other start failures exit 1.
 */
export function runMain(service: string, bootstrap: () => Promise<unknown>): void {
  bootstrap().catch((error: unknown) => {
    if (error instanceof ConfigValidationError) {
      process.stderr.write(`${service}: ${error.message}\n`);
      process.exit(78);
    }
    process.stderr.write(`${service} failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
