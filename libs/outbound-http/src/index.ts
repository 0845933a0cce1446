export * from './address-policy';
export * from './guarded-agent';
export * from './read-body';
