import { HitWindowStorage } from './hit-window.storage';

describe('HitWindowStorage', () => {
  let now: number;
  let storage: HitWindowStorage;
  const hit = (key = 'key:a', ttl = 60_000, limit = 3, blockDuration = 60_000) =>
    storage.increment(key, ttl, limit, blockDuration, 'default');

  beforeEach(() => {
    now = 1_000_000;
    storage = new HitWindowStorage(60_000, () => now);
  });

  afterEach(() => storage.onApplicationShutdown());

  it('counts hits per key and blocks the one past the limit for the block duration', async () => {
    expect(await hit()).toEqual({ totalHits: 1, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 });
    now += 10_000;
    await hit();
    expect((await hit()).totalHits).toBe(3);
    expect((await hit('key:b')).totalHits).toBe(1);
    now += 5_000;
    const over = await hit();
    expect(over).toMatchObject({ totalHits: 4, isBlocked: true, timeToBlockExpire: 60 });
    // Blocked requests are not counted, and the block runs its full duration from the refusal.
    now += 50_000;
    expect(await hit()).toMatchObject({ isBlocked: true, timeToBlockExpire: 10 });
    now += 10_000;
    expect(await hit()).toEqual({ totalHits: 1, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 });
  });

  it('lets hits leave the window one by one (a sliding window, not a fixed one)', async () => {
    await hit(); // t0
    now += 20_000;
    await hit(); // t0 + 20 s
    now += 20_000;
    await hit(); // t0 + 40 s
    now += 20_000; // the first hit has left the window
    const record = await hit();
    expect(record).toMatchObject({ totalHits: 3, isBlocked: false });
    // The oldest hit left is the one made at t0 + 20 s: 20 s to go.
    expect(record.timeToExpire).toBe(20);
  });

  it('without a block duration refuses until the oldest hit leaves, without counting refusals', async () => {
    for (let index = 0; index < 3; index += 1) await hit('key:a', 1000, 3, 0);
    now += 400;
    expect(await hit('key:a', 1000, 3, 0)).toMatchObject({ totalHits: 3, isBlocked: true, timeToBlockExpire: 1 });
    now += 600;
    expect(await hit('key:a', 1000, 3, 0)).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('keeps a constant cost per hit: a long window of hits is trimmed, not copied', async () => {
    // 100,000 hits, 1 ms apart, in a 10 s window: at most 10,000 are ever in it.
    for (let index = 0; index < 100_000; index += 1) {
      now += 1;
      const record = await hit('key:busy', 10_000, 1_000_000, 60_000);
      expect(record.isBlocked).toBe(false);
      if (index === 99_999) expect(record.totalHits).toBe(10_000);
    }
  });

  it('forgets keys that have nothing left in their window and are not blocked', async () => {
    await hit('key:a');
    now += 30_000;
    for (let index = 0; index < 4; index += 1) await hit('key:b');
    now += 30_000;
    storage.sweep();
    // key:a's only hit has expired; key:b is still blocked (until 60 s after its refusal).
    expect(storage.size).toBe(1);
    now += 30_000;
    storage.sweep();
    expect(storage.size).toBe(0);
  });
});
