import { growthPerHour } from './service-memory';

describe('growthPerHour', () => {
  it('is the slope of a steady climb, per hour', () => {
    const samples = [0, 1, 2, 3].map((minute) => ({ atMs: minute * 60_000, value: 100 + minute * 2 }));
    expect(growthPerHour(samples)).toBeCloseTo(120);
  });

  it('reads a swing around a flat level as no growth', () => {
    // Twenty samples swinging between 100 and 140: last-minus-first would read 40 per 19 s.
    const samples = Array.from({ length: 20 }, (_, i) => ({ atMs: i * 1000, value: i % 2 ? 140 : 100 }));
    const lastMinusFirstPerHour = (40 / 19_000) * 3_600_000;
    expect(Math.abs(growthPerHour(samples))).toBeLessThan(lastMinusFirstPerHour / 5);
  });

  it('is zero with fewer than two samples or no elapsed time', () => {
    expect(growthPerHour([])).toBe(0);
    expect(growthPerHour([{ atMs: 5, value: 1 }])).toBe(0);
    expect(
      growthPerHour([
        { atMs: 5, value: 1 },
        { atMs: 5, value: 9 },
      ]),
    ).toBe(0);
  });
});
