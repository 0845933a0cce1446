import type { Socket } from 'node:net';
import type { MongoClient } from 'mongodb';
import { waitFor } from '@wfp/testing';

/** The driver internals these tests reach into to recreate the race (none of them is public API). */
interface DriverMonitor {
  s: { state: string };
  connection: { closed: boolean; socket: Socket } | null;
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
  await waitFor(async () => monitor.s.state === 'idle' && monitor.connection !== null && !monitor.connection.closed, {
    what: 'an idle server monitor with a connection',
  });
  // A check is only started at once when the last one ended at least minHeartbeatFrequencyMS ago.
  await new Promise((resolve) => setTimeout(resolve, 600));
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
