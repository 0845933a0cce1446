export * from './api-error';
export * from './all-exceptions.filter';
export * from './validation';
export * from './correlation-id.decorator';
export * from './pagination';
export * from './api-error-responses';
export * from './rpc-errors';
