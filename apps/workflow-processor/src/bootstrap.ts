import type { INestApplication } from '@nestjs/common';
import { loadConfig, type Environment } from '@wfp/config';
import { startService } from '@wfp/service-runtime';
import { AppModule } from './app.module';
import { ProcessorConfig } from './processor.config';

/** Builds and starts workflow-processor; `main.ts` and the tests both use it. */
export async function bootstrap(env: Environment = process.env): Promise<INestApplication> {
  const config = loadConfig(ProcessorConfig, env);
  return startService({
    module: AppModule.register(config),
    port: config.WORKFLOW_PROCESSOR_PORT,
    host: config.HOST,
    consumesMessages: true,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  });
}
