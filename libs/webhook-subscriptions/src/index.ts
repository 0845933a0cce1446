export * from './webhook-endpoints.client';
export * from './webhook-subscriptions.module';
