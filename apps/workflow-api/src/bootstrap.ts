import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadConfig, type Environment } from '@wfp/config';
import { AllExceptionsFilter, strictValidationPipe } from '@wfp/http-kit';
import { startService } from '@wfp/service-runtime';
import { ApiConfig } from './api.config';
import { AppModule } from './app.module';
import { setupOpenApi } from './openapi/setup-openapi';

/** Builds and starts workflow-api; `main.ts` and the tests both use it. */
export async function bootstrap(env: Environment = process.env): Promise<INestApplication> {
  const config = loadConfig(ApiConfig, env);
  return startService({
    module: AppModule.register(config),
    port: config.WORKFLOW_API_PORT,
    host: config.HOST,
    consumesMessages: false,
    rawBody: true,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    configure: (app) => {
      const express = app as NestExpressApplication;
      express.useBodyParser('json', { limit: config.API_BODY_LIMIT });
      express.disable('x-powered-by');
      app.useGlobalPipes(strictValidationPipe());
      app.useGlobalFilters(new AllExceptionsFilter());
      setupOpenApi(app);
    },
  });
}
