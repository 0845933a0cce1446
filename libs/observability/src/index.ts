export * from './logger.module';
export * from './metrics-registry.service';
export * from './metrics.controller';
export * from './metrics.module';
export * from './log-context.service';
export * from './http-metrics.middleware';
export * from './prometheus-text';
