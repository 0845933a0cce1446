export * from './health.controller';
export * from './health.module';
export * from './logger.module';
export * from './metrics';
export * from './metrics.controller';
export * from './metrics.module';
