import type { INestApplication } from '@nestjs/common';
import { loadConfig, type Environment } from '@wfp/config';
import { startService } from '@wfp/service-runtime';
import { AppModule } from './app.module';
import { ResolverConfig } from './resolver.config';

/** Builds and starts contact-resolver; `main.ts` and the tests both use it. */
export async function bootstrap(env: Environment = process.env): Promise<INestApplication> {
  const config = loadConfig(ResolverConfig, env);
  return startService({
    module: AppModule.register(config),
    port: config.CONTACT_RESOLVER_PORT,
    host: config.HOST,
    consumesMessages: true,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  });
}
