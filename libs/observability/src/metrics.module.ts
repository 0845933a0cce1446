import { Global, Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';
import { MetricsRegistry } from './metrics';

/** `GET /metrics`, and a MetricsRegistry that any module can inject (global) to define its own metrics. */
@Global()
@Module({
  providers: [MetricsRegistry],
  controllers: [MetricsController],
  exports: [MetricsRegistry],
})
export class MetricsModule {}
