import { batchSize, grantedSlots, retryAfterLimit, slotTime, usableAt, windowOf } from './send-windows';

describe('send windows', () => {
  it('cut time into seconds and space a window’s slots evenly', () => {
    expect(windowOf(12_999)).toBe(12);
    expect(windowOf(13_000)).toBe(13);
    expect([0, 1, 2, 3].map((index) => slotTime(13, index, 4))).toEqual([13_000, 13_250, 13_500, 13_750]);
    expect(slotTime(13, 2, 3)).toBe(13_666);
  });

  it('grant only the slots that exist: never more than the limit in a window', () => {
    // The counter went from 8 to 12 of a limit of 10: two slots were left.
    expect(grantedSlots(5, 8, 4, 10, 5_000)).toEqual([5_800, 5_900]);
    expect(grantedSlots(5, 10, 4, 10, 5_000)).toEqual([]);
    expect(grantedSlots(5, 0, 3, 10, 5_000)).toEqual([5_000, 5_100, 5_200]);
  });

  it('give nothing of a window that is already over, and future slots of the next one', () => {
    expect(grantedSlots(5, 0, 3, 10, 6_000)).toEqual([]);
    expect(grantedSlots(6, 0, 2, 10, 5_500)).toEqual([6_000, 6_100]);
  });

  it('use a slot in its own second only, and a late one only well before that second ends', () => {
    expect(usableAt(5_950, 5_950)).toBe(true); // on time, however close to the end
    expect(usableAt(5_950, 5_970)).toBe(true); // a little late
    expect(usableAt(5_500, 5_800)).toBe(true); // late, but with time left in its second
    expect(usableAt(5_700, 5_920)).toBe(false); // late and near the end: it might land in the next
    expect(usableAt(5_950, 6_001)).toBe(false); // its second is over
    expect(usableAt(6_100, 5_900)).toBe(true); // not due yet
  });

  it('take small batches: what waits, at most a tenth of a second’s worth, at least one', () => {
    expect(batchSize(20, 1)).toBe(1);
    expect(batchSize(20, 50)).toBe(2);
    expect(batchSize(1000, 500)).toBe(100);
    expect(batchSize(3, 0)).toBe(1);
  });

  it('put a delivery off past the deliveries waiting ahead of it', () => {
    expect(retryAfterLimit(10_000, 10, 0, 0)).toBe(11_000);
    expect(retryAfterLimit(10_000, 10, 50, 0)).toBe(15_000);
    expect(retryAfterLimit(10_000, 10, 50, 0.5)).toBe(15_500);
  });
});
