export * from './envelope';
export * from './commands/command';
export * from './commands/runs-start.command';
export * from './commands/contacts-resolve.command';
export * from './commands/runs-cancel.command';
export * from './commands/runs-resume.command';
export * from './commands/versions-register.command';
export * from './queries/run-queries';
export * from './queries/rpc-error';
export * from './queries/webhook-requests';
export * from './queries/run-retry';
export * from './events/workflow-event-type';
export * from './events/node-outcome';
export * from './events/call-result';
export * from './message';
export * from './message-schema';
export * from './events/workflow-events';
export {
  CONTACT_FAILURE_REASONS,
  EXISTING_RUN_STATUSES,
  NODE_OUTCOME_SCHEMA,
  RUN_ERROR_CLASSES,
  RUN_ERROR_CODES,
  RUN_OUTCOMES,
  type ContactFields,
  type ContactRejectedIdentifier,
  type RecordFields,
  type RunCorrelationFields,
  type RunErrorClass,
  type RunErrorCode,
  type RunOutcome,
  type RunTerminalFields,
} from './events/event-fields';
export * from './ids';
export * from './events/event-schemas';
export * from './commands/workflow-version-ref';
export * from './cursor';
