import type { INestApplication } from '@nestjs/common';
import { loadConfig, type Environment } from '@wfp/config';
import { startService } from '@wfp/service-runtime';
import { AppModule } from './app.module';
import { DispatcherConfig } from './dispatcher.config';

/** Builds and starts webhook-dispatcher; `main.ts` and the tests both use it. */
export async function bootstrap(env: Environment = process.env): Promise<INestApplication> {
  const config = loadConfig(DispatcherConfig, env);
  return startService({
    module: AppModule.register(config),
    port: config.WEBHOOK_DISPATCHER_PORT,
    host: config.HOST,
    consumesMessages: true,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  });
}
