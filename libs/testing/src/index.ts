export * from './test-infra';
export * from './wait-for';
export * from './broker-probe';
