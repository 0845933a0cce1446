import { MongoClient } from 'mongodb';
import { testInfra } from '@wfp/testing';
import { checkWhileMonitorSocketDies, serverMonitor } from './driver-monitor';

/**
 * Canary for the driver defect socket-write-guard.ts works around (this file does not install the
 * guard; Jest gives each file its own copy of the driver). When this test fails after a driver
 * upgrade, the driver no longer hangs and the guard can be removed.
 */
describe('MongoDB driver without the socket write guard (FerretDB)', () => {
  const infra = testInfra();
  let client: MongoClient;

  beforeAll(async () => {
    client = await MongoClient.connect(infra.mongoUrl, { serverSelectionTimeoutMS: 5000 });
  });

  afterAll(async () => {
    await client?.close(true);
  });

  it('still hangs its server monitor when a check starts on a destroyed socket', async () => {
    const outcomes = await checkWhileMonitorSocketDies(client, 1500);
    expect(outcomes).toEqual([]);
    expect(serverMonitor(client).s.state).toBe('monitoring');
  }, 15_000);
});
