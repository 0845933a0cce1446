import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { MetricsModule } from '@wfp/observability';

/**
 * Needs MessagingModule and PersistenceModule (both global) in the application.
 * Also brings `GET /metrics` (MetricsModule), so every service that has health checks is scraped too.
 */
@Module({
  imports: [TerminusModule.forRoot({ logger: false }), MetricsModule],
  controllers: [HealthController],
})
export class HealthModule {}
