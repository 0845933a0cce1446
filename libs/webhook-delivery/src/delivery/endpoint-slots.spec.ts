import { EndpointSlots } from './endpoint-slots';

describe('EndpointSlots', () => {
  it('runs at most `limit` per endpoint and hands slots to waiters in order', async () => {
    const slots = new EndpointSlots(2);
    const order: string[] = [];
    await slots.acquire('a');
    await slots.acquire('a');
    const third = slots.acquire('a').then(() => order.push('third'));
    const fourth = slots.acquire('a').then(() => order.push('fourth'));
    expect(slots.admitted('a')).toBe(4);
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

  it('keeps endpoints apart', async () => {
    const slots = new EndpointSlots(1);
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
