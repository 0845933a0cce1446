import { Injectable, Optional, type OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { MetricsRegistryService } from '@wfp/observability';

/** Driver commands that are connection upkeep rather than work the service asked of the store. */
const UPKEEP = new Set(['hello', 'ismaster', 'isMaster', 'ping', 'endSessions', 'saslStart', 'saslContinue']);

/** Store round trips span a sub-millisecond read to a write queued behind others. */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * Counts the commands this service sends to its database, by command name, from the driver's
 * command monitoring (`store_commands_total`), and times them (`store_command_duration_seconds`).
 * Store operations per run are the figure that carries over from the embedded store to a
 * production MongoDB, so each service reports its own; the durations show what its requests and
 * messages wait for.
 */
@Injectable()
export class StoreCommandMetricsService implements OnModuleInit {
  constructor(
    @InjectConnection() private readonly connection: Connection,
    @Optional() private readonly registry: MetricsRegistryService = new MetricsRegistryService(),
  ) {}

  onModuleInit(): void {
    const commands = this.registry.counter({
      name: 'store_commands_total',
      help: 'Commands sent to the database (find, insert, update, findAndModify, delete, ...), by command name; connection upkeep (hello, ping) excluded.',
      labelNames: ['command'],
    });
    const durations = this.registry.histogram({
      name: 'store_command_duration_seconds',
      help: 'Round trip of each database command, sent to answered (failures included), by command name; upkeep excluded.',
      labelNames: ['command'],
      buckets: DURATION_BUCKETS,
    });
    const client = this.connection.getClient();
    client.on('commandStarted', (event) => {
      if (!UPKEEP.has(event.commandName)) commands.inc({ command: event.commandName });
    });
    const observe = (event: { commandName: string; duration: number }) => {
      if (!UPKEEP.has(event.commandName)) durations.observe({ command: event.commandName }, event.duration / 1000);
    };
    client.on('commandSucceeded', observe);
    client.on('commandFailed', observe);
  }
}
