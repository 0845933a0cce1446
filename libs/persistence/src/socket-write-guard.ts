import { Logger } from '@nestjs/common';
import type { Socket } from 'node:net';
import { MongoNetworkError } from 'mongodb';

/**
 * Works around a hang in the MongoDB Node driver (seen in 7.8.0 and 7.9.0).
 *
 * `Connection.writeCommand` waits for the socket's 'drain' event whenever `socket.write` returns
 * false. A socket that Node has already destroyed (the peer closed it) returns false and then emits
 * neither 'drain' nor 'error'; its 'close' event comes a moment later, and the driver's own close
 * handler does not wake a pending write. A command written in that window therefore never settles.
 * When the database server dies, its connections are destroyed all at once while failed operations
 * ask the server monitor for an immediate check, so the window is hit now and then: the monitor's
 * check hangs, it never checks again, and every operation of the process fails server selection
 * until restart. A pooled operation caught the same way hangs forever and holds its message.
 *
 * The guard makes such a write fail with the same network error the driver raises for a closed
 * connection, so the driver's normal recovery (mark the server unknown, reconnect, retry) runs.
 */
export function installSocketWriteGuard(connectionClass = driverConnectionClass()): void {
  const prototype = connectionClass?.prototype;
  if (prototype?.[GUARDED]) return;
  const write = prototype?.writeCommand;
  if (!prototype || typeof write !== 'function') {
    // A driver whose internals changed: run unguarded (the canary and guard tests fail in CI).
    new Logger('Database').warn('the MongoDB driver has no Connection.writeCommand; socket writes are not guarded');
    return;
  }
  prototype.writeCommand = function guardedWriteCommand(this: DriverConnection, ...args: unknown[]) {
    const socket = this.socket;
    if (socket.destroyed) return Promise.reject(closedConnection(this));
    // The socket can also be destroyed while this write waits for 'drain'; its 'close' ends the wait.
    let onClose!: () => void;
    const closed = new Promise<never>((_, reject) => {
      onClose = () => reject(closedConnection(this));
      socket.once('close', onClose);
    });
    return Promise.race([write.apply(this, args), closed]).finally(() => socket.off('close', onClose));
  };
  prototype[GUARDED] = true;
}

const GUARDED = Symbol.for('wfp.mongodb.socketWriteGuard');

interface DriverConnection {
  id: number | string;
  address: string;
  socket: Socket;
}

interface DriverConnectionPrototype extends DriverConnection {
  writeCommand: (this: DriverConnection, ...args: unknown[]) => Promise<void>;
  [GUARDED]?: boolean;
}

export interface DriverConnectionClass {
  prototype: DriverConnectionPrototype;
}

function closedConnection(connection: DriverConnection): MongoNetworkError {
  return new MongoNetworkError(`connection ${connection.id} to ${connection.address} closed`);
}

/** The driver's connection class is internal (untyped), so it is required by path. */
function driverConnectionClass(): DriverConnectionClass | undefined {
  try {
    return (require('mongodb/lib/cmap/connection') as { Connection?: DriverConnectionClass }).Connection;
  } catch {
    return undefined;
  }
}
