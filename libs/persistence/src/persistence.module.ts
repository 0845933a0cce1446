import { Module, type DynamicModule } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { TerminusModule } from '@nestjs/terminus';
import { databaseNameFor } from './database-name';
import { logServerStateChanges } from './database-state-log';
import { MongoHealthIndicator } from './mongo.health';
import { OutboxRelayService } from './outbox-relay.service';
import { StoreCommandMetricsService } from './store-command-metrics.service';
import { installSocketWriteGuard } from './socket-write-guard';

export interface PersistenceOptions {
  url: string;
  /** Database used when MONGO_URL names none. */
  defaultDatabase: string;
}

@Module({})
export class PersistenceModule {
  static forRoot(options: PersistenceOptions): DynamicModule {
    // Before any client exists: a driver defect can otherwise hang the client after an outage.
    installSocketWriteGuard();
    return {
      module: PersistenceModule,
      global: true,
      imports: [
        TerminusModule,
        MongooseModule.forRoot(options.url, {
          dbName: databaseNameFor(options.url, options.defaultDatabase),
          serverSelectionTimeoutMS: 5000,
          // Mongoose would otherwise buffer queries forever while the database is down;
          // failing fast lets handlers retry through the queue and the API answer 503.
          bufferCommands: false,
          autoIndex: true,
          // An unset optional field is left out of the document rather than stored as null.
          ignoreUndefined: true,
          // One log line per outage and recovery of the database server.
          connectionFactory: logServerStateChanges,
          // Command events feed store_commands_total (StoreCommandMetricsService).
          monitorCommands: true,
        }),
      ],
      providers: [OutboxRelayService, MongoHealthIndicator, StoreCommandMetricsService],
      exports: [MongooseModule, OutboxRelayService, MongoHealthIndicator],
    };
  }
}
