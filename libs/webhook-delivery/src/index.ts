export * from './received-event.schema';
export * from './event-intake.service';
export * from './webhook-delivery.module';
