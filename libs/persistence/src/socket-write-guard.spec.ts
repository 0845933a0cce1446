import { Logger } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { MongoNetworkError } from 'mongodb';
import { installSocketWriteGuard, type DriverConnectionClass } from './socket-write-guard';

/** Stands in for the driver's connection: its write waits for 'drain' like the driver's does. */
class FakeConnection {
  id = 7;
  address = '127.0.0.1:27017';
  socket = Object.assign(new EventEmitter(), { destroyed: false }) as unknown as Socket & { destroyed: boolean };
  writes = 0;
  writeCommand(): Promise<void> {
    this.writes++;
    return new Promise((resolve) => this.socket.once('drain', () => resolve()));
  }
}

describe('installSocketWriteGuard', () => {
  const connectionClass = FakeConnection as unknown as DriverConnectionClass;
  beforeAll(() => installSocketWriteGuard(connectionClass));

  it('fails a write on a destroyed socket with the driver’s network error, without writing', async () => {
    const connection = new FakeConnection();
    connection.socket.destroyed = true;
    const write = connection.writeCommand();
    await expect(write).rejects.toThrow(MongoNetworkError);
    await expect(write).rejects.toThrow('connection 7 to 127.0.0.1:27017 closed');
    expect(connection.writes).toBe(0);
  });

  it('ends a write still waiting for drain when the socket closes', async () => {
    const connection = new FakeConnection();
    const write = connection.writeCommand();
    connection.socket.emit('close');
    await expect(write).rejects.toThrow('connection 7 to 127.0.0.1:27017 closed');
  });

  it('passes a write that completes through, and stops listening for close', async () => {
    const connection = new FakeConnection();
    const write = connection.writeCommand();
    connection.socket.emit('drain');
    await expect(write).resolves.toBeUndefined();
    expect(connection.socket.listenerCount('close')).toBe(0);
  });

  it('wraps the method once however often it is installed', () => {
    const guarded = FakeConnection.prototype.writeCommand;
    installSocketWriteGuard(connectionClass);
    expect(FakeConnection.prototype.writeCommand).toBe(guarded);
  });

  it('leaves a driver without the method alone, saying so', () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      expect(() => installSocketWriteGuard({ prototype: {} } as unknown as DriverConnectionClass)).not.toThrow();
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('socket writes are not guarded'));
    } finally {
      warn.mockRestore();
    }
  });
});
