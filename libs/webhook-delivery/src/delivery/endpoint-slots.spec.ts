import { EndpointSlots } from './endpoint-slots';

describe('EndpointSlots', () => {
  it('runs at most `limit` per endpoint and hands slots to waiters in order', async () => {
    const slots = new EndpointSlots(2, 1000);
    const order: string[] = [];
    await slots.acquire('a');
    await slots.acquire('a');
    const third = slots.acquire('a').then(() => order.push('third'));
    const fourth = slots.acquire('a').then(() => order.push('fourth'));
    expect(slots.admitted('a')).toBe(4);
    // Nothing measured yet: one round of `limit` may wait, no more.
    expect(slots.canAdmit('a')).toBe(false);
    expect(slots.saturated()).toEqual(['a']);

    slots.release('a');
    await third;
    expect(order).toEqual(['third']);
    slots.release('a');
    await fourth;
    expect(order).toEqual(['third', 'fourth']);
    expect(slots.canAdmit('a')).toBe(true);
  });

  it('lets deliveries wait for a fast endpoint as long as the expected wait stays within the bound', async () => {
    const slots = new EndpointSlots(2, 100);
    await slots.acquire('fast');
    slots.release('fast', 10); // attempts take 10 ms
    for (let index = 0; index < 20; index += 1) void slots.acquire('fast');
    // 20 admitted: 10 rounds of 2 ahead × 10 ms = 100 ms, the bound.
    expect(slots.canAdmit('fast')).toBe(true);
    void slots.acquire('fast');
    void slots.acquire('fast');
    expect(slots.canAdmit('fast')).toBe(false);
  });

  it('turns a slow endpoint away once its slots are taken', async () => {
    const slots = new EndpointSlots(2, 1000);
    await slots.acquire('slow');
    slots.release('slow', 5000);
    await slots.acquire('slow');
    expect(slots.canAdmit('slow')).toBe(true); // a free slot
    await slots.acquire('slow');
    expect(slots.canAdmit('slow')).toBe(false); // one round ahead of 5 s
  });

  it('keeps endpoints apart', async () => {
    const slots = new EndpointSlots(1, 1000);
    await slots.acquire('slow');
    let waiting = true;
    void slots.acquire('slow').then(() => (waiting = false));
    await slots.acquire('other'); // not held up by the busy endpoint
    expect(waiting).toBe(true);
    slots.release('slow');
    await new Promise((resolve) => setImmediate(resolve));
    expect(waiting).toBe(false);
    slots.release('slow');
    slots.release('other');
    expect(slots.admitted('slow')).toBe(0);
    expect(slots.admitted('other')).toBe(0);
  });
});
