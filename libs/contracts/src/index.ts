export * from './envelope';
export * from './topology';
export * from './commands/command';
export * from './commands/runs-start.command';
export * from './commands/versions-register.command';
export * from './events/workflow-event-type';
export * from './events/node-outcome';
export * from './events/event-payloads';
