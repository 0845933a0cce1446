import type { Socket } from 'node:net';
import type { MongoClient } from 'mongodb';
import { waitFor } from '@wfp/testing';

/** The driver internals these tests reach into to recreate the race (none of them is public API). */
interface DriverMonitor {
  s: { state: string };
  connection: { closed: boolean; socket: Socket } | null;
  monitorId?: { toJSON(): { timeSinceLastCall: number } };
  requestCheck(): void;
}
interface DriverTopology {
  s: { servers: Map<string, { monitor: DriverMonitor }> };
}

export function serverMonitor(client: MongoClient): DriverMonitor {
  const topology = (client as unknown as { topology: DriverTopology }).topology;
  const [server] = topology.s.servers.values();
  return server.monitor;
}

/**
 * Recreates what happens when the database server dies: Node destroys the monitor's socket (the
 * peer closed it) and, before the socket's 'close' event is delivered, a failed operation asks the
 * monitor for an immediate check. Returns the heartbeat outcomes seen within `observeMs`.
 */
export async function checkWhileMonitorSocketDies(client: MongoClient, observeMs: number): Promise<string[]> {
  const monitor = serverMonitor(client);
  // The check must start at once (the last one ended over minHeartbeatFrequencyMS, 500 ms, ago)
  // and no scheduled one may be due (heartbeatFrequencyMS, 10 s): then requestCheck starts it
  // synchronously, on the socket just destroyed.
  await waitFor(
    async () => {
      const sinceLastCheck = monitor.monitorId?.toJSON().timeSinceLastCall ?? 0;
      const open = monitor.connection !== null && !monitor.connection.closed;
      return monitor.s.state === 'idle' && open && sinceLastCheck >= 600 && sinceLastCheck <= 8000;
    },
    { what: 'an idle server monitor with a connection, between checks' },
  );
  const outcomes: string[] = [];
  const succeeded = () => outcomes.push('succeeded');
  const failed = () => outcomes.push('failed');
  client.on('serverHeartbeatSucceeded', succeeded).on('serverHeartbeatFailed', failed);
  try {
    monitor.connection?.socket.destroy();
    monitor.requestCheck();
    await new Promise((resolve) => setTimeout(resolve, observeMs));
    return outcomes;
  } finally {
    client.off('serverHeartbeatSucceeded', succeeded).off('serverHeartbeatFailed', failed);
  }
}
