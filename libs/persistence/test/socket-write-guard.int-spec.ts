import { MongoClient } from 'mongodb';
import { testInfra } from '@wfp/testing';
import { PersistenceModule } from '../src';
import { checkWhileMonitorSocketDies, serverMonitor } from './driver-monitor';

describe('MongoDB driver once PersistenceModule has guarded its socket writes (FerretDB)', () => {
  const infra = testInfra();
  let client: MongoClient;

  beforeAll(async () => {
    // Defining the module installs the guard, before any of the service's clients exist.
    PersistenceModule.forRoot({ url: infra.mongoUrl, defaultDatabase: 'x' });
    client = await MongoClient.connect(infra.mongoUrl, { serverSelectionTimeoutMS: 5000 });
  });

  afterAll(async () => {
    await client?.close(true);
  });

  it('fails a server check started on a destroyed socket and reconnects, instead of hanging the monitor', async () => {
    const outcomes = await checkWhileMonitorSocketDies(client, 1000);
    expect(outcomes).toEqual(['failed']);
    expect(serverMonitor(client).s.state).toBe('idle');

    // The failed check marked the server unknown; the next operation waits for a fresh check.
    const heartbeats: string[] = [];
    client.on('serverHeartbeatSucceeded', () => heartbeats.push('succeeded'));
    expect(await client.db('admin').command({ ping: 1 })).toMatchObject({ ok: 1 });
    expect(heartbeats).toContain('succeeded');
  }, 15_000);
});
