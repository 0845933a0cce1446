export * from './webhook-endpoints.service';
export * from './webhook-subscriptions.module';
