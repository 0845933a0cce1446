export * from './test-infra';
export * from './wait-for';
export * from './broker-probe';
export * from './service-process';
export * from './platform';
export * from './messaging-simulator';
export * from './isolated-infra';
export * from './dedicated-infra';
