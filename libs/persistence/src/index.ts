export * from './database-name';
export * from './outbox';
export * from './outbox-relay.service';
export * from './mongo.health';
export * from './persistence.module';
export * from './mongo-errors';
export * from './store-command-metrics.service';
export * from './group-commit';
