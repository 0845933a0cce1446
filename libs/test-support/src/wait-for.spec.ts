import { cpuTicks, StopWaiting, waitFor } from './wait-for';

describe('waitFor', () => {
  it('fails after the timeout without progress, naming what it waited for and what it last saw', async () => {
    await expect(
      waitFor(() => false, {
        timeoutMs: 100,
        intervalMs: 10,
        what: 'the answer',
        progress: () => 'same',
        lastSeen: () => 'HTTP 503',
      }),
    ).rejects.toThrow('no progress for 100 ms waiting for the answer; last saw: HTTP 503');
  });

  it('goes on past the timeout for as long as the progress value keeps changing', async () => {
    let polls = 0;
    const started = Date.now();
    const value = await waitFor(() => (Date.now() - started > 400 ? 'done' : false), {
      timeoutMs: 100,
      intervalMs: 10,
      progress: () => (polls += 1),
    });
    expect(value).toBe('done');
  });

  it('stops at once when the probe says waiting is pointless', async () => {
    let calls = 0;
    await expect(
      waitFor(
        () => {
          calls += 1;
          throw new StopWaiting('the service exited with 1');
        },
        { timeoutMs: 60_000, progress: () => calls },
      ),
    ).rejects.toThrow('the service exited with 1');
    expect(calls).toBe(1);
  });

  it('reports the last error of the probe with a plain timeout', async () => {
    await expect(
      waitFor(
        () => {
          throw new Error('connection refused');
        },
        { timeoutMs: 50, intervalMs: 10, what: 'the port' },
      ),
    ).rejects.toThrow('timed out after 50 ms waiting for the port; last error: Error: connection refused');
  });
});

describe('cpuTicks', () => {
  it('counts the CPU time of running processes and ignores ended ones', () => {
    expect(cpuTicks([process.pid])).toBeGreaterThanOrEqual(0);
    expect(cpuTicks([undefined, 999_999_999])).toBe(0);
  });
});
