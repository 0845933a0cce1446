export * from './start-service';
export * from './health.controller';
export * from './health.module';
