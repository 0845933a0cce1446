import { ChaosRig, formatCounts, lossReport, NOTHING_LOST, type ChaosCounts } from './support/chaos-scenario';

/**
 * Fault test (`npm run test:chaos`): the whole fault scenario at its full pace, and its soak mode
 * when CHAOS_SOAK_SECONDS is set (the same faults repeated for that long, memory growth per
 * service reported). Afterwards every accepted run has exactly one terminal event, every event
 * reached the receiver at least once (duplicates counted, dedupable by eventId), no queue holds a
 * stranded message and every DLQ is empty.
 */
const soakSeconds = Number(process.env['CHAOS_SOAK_SECONDS'] ?? 0);

describe(
  soakSeconds ? `soak: faults and load for ${soakSeconds} s` : 'fault test: crashes and restarts under load',
  () => {
    let rig: ChaosRig;

    beforeAll(async () => {
      rig = await ChaosRig.start({ dataDir: '.data/chaos', amqpPort: 5673, mongoPort: 27018 });
    }, 180_000);

    afterAll(async () => {
      await rig?.stop();
    }, 120_000);

    it(
      'every accepted run ends exactly once and every event reaches the receiver',
      async () => {
        const counts: ChaosCounts = await rig.run({
          pauseMs: Number(process.env['CHAOS_PAUSE_MS'] ?? 2500),
          loadIntervalMs: Number(process.env['CHAOS_LOAD_INTERVAL_MS'] ?? 300),
          soakMs: soakSeconds * 1000,
          soakFaultEveryMs: Number(process.env['CHAOS_SOAK_FAULT_EVERY_SECONDS'] ?? 60) * 1000,
          memorySampleMs: Number(process.env['CHAOS_MEMORY_SAMPLE_SECONDS'] ?? 10) * 1000,
          log: (line) => process.stderr.write(`[chaos] ${line}\n`),
        });
        process.stdout.write(`fault test counts: ${formatCounts(counts)}\n`);

        expect(counts.runsAccepted).toBeGreaterThan(10);
        expect(lossReport(counts)).toEqual(NOTHING_LOST);
      },
      // A backstop only: the waits inside fail on their own once deliveries stop progressing, and a
      // backlog left by a soak on the embedded store can take a while to drain.
      600_000 + soakSeconds * 3000,
    );
  },
);
