export * from './api-key-hash';
export * from './organization.schema';
export * from './organizations.service';
export * from './guards';
export * from './api-access.module';
