export * from './workflow.schema';
export * from './workflows.service';
export * from './run-requests.service';
export * from './workflow-catalog.module';
export * from './workflow-runs.service';
export * from './workflow-calls.service';
export * from './run-targets.service';
export * from './run-target-cache';
