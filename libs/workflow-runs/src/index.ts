export * from './errors';
export * from './run.schema';
export * from './workflow-version-copy.schema';
export * from './version-registry.service';
export * from './run-starter.service';
export * from './workflow-runs.module';
