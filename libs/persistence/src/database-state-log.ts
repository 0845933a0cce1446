import { Logger } from '@nestjs/common';
import { AsyncResource } from 'node:async_hooks';
import type { Connection } from 'mongoose';

interface ServerDescriptionLike {
  type: string;
  error?: { message?: string } | null;
}

/**
 * The line to log when the driver's view of a database server changes between reachable and
 * not (null when nothing an operator needs changed): one line per outage and one per recovery,
 * rather than one per failed operation.
 */
export function serverStateChange(
  address: string,
  previous: ServerDescriptionLike,
  next: ServerDescriptionLike,
): { level: 'warn' | 'log'; message: string } | null {
  const wasUp = previous.type !== 'Unknown';
  const isUp = next.type !== 'Unknown';
  if (wasUp && !isUp) {
    return { level: 'warn', message: `database server ${address} unreachable: ${next.error?.message ?? 'no answer'}` };
  }
  if (!wasUp && isUp && previous.error) {
    return { level: 'log', message: `database server ${address} reachable again (${next.type})` };
  }
  return null;
}

/** Logs the database client's server state changes (Mongoose connectionFactory hook). */
export function logServerStateChanges(connection: Connection): Connection {
  const log = new Logger('Database');
  const client = connection.getClient();
  // Bound to the (context-free) moment of registration: the event fires inside whichever message
  // handler's operation noticed the change, whose correlation id does not belong on this line.
  client.on(
    'serverDescriptionChanged',
    AsyncResource.bind((event) => {
      const change = serverStateChange(event.address, event.previousDescription, event.newDescription);
      if (change) log[change.level](change.message);
    }),
  );
  return connection;
}
