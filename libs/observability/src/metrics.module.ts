import {
  Global,
  Module,
  RequestMethod,
  type DynamicModule,
  type FactoryProvider,
  type MiddlewareConsumer,
  type NestModule,
} from '@nestjs/common';
import { HttpMetricsMiddleware } from './http-metrics.middleware';
import { METRICS_ACCESS, MetricsController, type MetricsAccess } from './metrics.controller';
import { MetricsRegistryService } from './metrics-registry.service';

/**
 * `GET /metrics`, a MetricsRegistryService that any module can inject (global) to define its own metrics,
 * and a histogram of every HTTP request the application serves.
 */
@Global()
@Module({
  providers: [MetricsRegistryService],
  controllers: [MetricsController],
  exports: [MetricsRegistryService],
})
export class MetricsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }
}

/** Restricts `GET /metrics` to the requests `access` lets in (for a service on a public port). */
@Global()
@Module({})
export class MetricsAccessModule {
  static restrictTo(access: Omit<FactoryProvider<MetricsAccess>, 'provide'>): DynamicModule {
    return {
      module: MetricsAccessModule,
      providers: [{ provide: METRICS_ACCESS, ...access }],
      exports: [METRICS_ACCESS],
    };
  }
}
