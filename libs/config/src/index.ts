export * from './load-config';
export * from './transforms';
export * from './base-service.config';
export * from './outbound-service.config';
