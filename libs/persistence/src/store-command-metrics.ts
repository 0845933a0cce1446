import { Injectable, Optional, type OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { MetricsRegistry } from '@wfp/observability';

/** Driver commands that are connection upkeep rather than work the service asked of the store. */
const UPKEEP = new Set(['hello', 'ismaster', 'isMaster', 'ping', 'endSessions', 'saslStart', 'saslContinue']);

/**
 * Counts the commands this service sends to its database, by command name, from the driver's
 * command monitoring (`store_commands_total`). Store operations per run are the figure that
 * carries over from the embedded store to a production MongoDB, so each service reports its own.
 */
@Injectable()
export class StoreCommandMetrics implements OnModuleInit {
  constructor(
    @InjectConnection() private readonly connection: Connection,
    @Optional() private readonly registry: MetricsRegistry = new MetricsRegistry(),
  ) {}

  onModuleInit(): void {
    const commands = this.registry.counter({
      name: 'store_commands_total',
      help: 'Commands sent to the database (find, insert, update, findAndModify, delete, ...), by command name; connection upkeep (hello, ping) excluded.',
      labelNames: ['command'],
    });
    this.connection.getClient().on('commandStarted', (event) => {
      if (!UPKEEP.has(event.commandName)) commands.inc({ command: event.commandName });
    });
  }
}
