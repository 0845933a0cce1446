export * from './logger.module';
export * from './metrics';
export * from './metrics.controller';
export * from './metrics.module';
export * from './log-context';
export * from './http-metrics.middleware';
export * from './prometheus-text';
