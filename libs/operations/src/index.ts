export * from './dead-letters';
export * from './broker-queues.service';
export * from './dead-letters.service';
export * from './operations.module';
