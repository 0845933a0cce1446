import { ChaosRig, formatCounts, lossReport, NOTHING_LOST } from './support/chaos-scenario';

/**
 * The fault test in its shortened form, part of `npm test`: the same faults (each service
 * SIGKILLed and restarted, RabbitMQ restarted, the store killed and restarted, the receiver away)
 * with shorter pauses, on a RabbitMQ and FerretDB of its own. `npm run test:chaos` runs it at full
 * pace and has the soak mode.
 */
describe('fault test (short): crashes and restarts under load lose nothing', () => {
  let rig: ChaosRig;

  beforeAll(async () => {
    rig = await ChaosRig.start({ dataDir: '.data/chaos-short', amqpPort: 5674, mongoPort: 27019 });
  }, 180_000);

  afterAll(async () => {
    await rig?.stop();
  }, 120_000);

  it('every accepted run ends exactly once, every event reaches the receiver, nothing stranded', async () => {
    const counts = await rig.run({
      pauseMs: 1200,
      loadIntervalMs: 250,
      log: (line) => process.stderr.write(`[chaos-short] ${line}\n`),
    });
    process.stdout.write(`fault test (short) counts: ${formatCounts(counts)}\n`);

    expect(counts.runsAccepted).toBeGreaterThan(10);
    expect(lossReport(counts)).toEqual(NOTHING_LOST);
  }, 420_000);
});
