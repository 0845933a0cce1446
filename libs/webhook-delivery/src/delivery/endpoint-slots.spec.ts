import { EndpointSlots } from './endpoint-slots';

describe('EndpointSlots', () => {
  afterEach(() => jest.useRealTimers());

  it('runs at most `limit` per endpoint and hands slots to waiters in order', async () => {
    const slots = new EndpointSlots(2);
    const order: string[] = [];
    expect(await slots.acquire('a', 1000)).toBe(true);
    expect(await slots.acquire('a', 1000)).toBe(true);
    const third = slots.acquire('a', 1000).then((granted) => order.push(`third ${granted}`));
    const fourth = slots.acquire('a', 1000).then((granted) => order.push(`fourth ${granted}`));
    expect(slots.admitted('a')).toBe(4);
    expect(slots.saturated()).toEqual(['a']);

    slots.release('a');
    await third;
    expect(order).toEqual(['third true']);
    slots.release('a');
    await fourth;
    expect(order).toEqual(['third true', 'fourth true']);
    slots.release('a');
    slots.release('a');
    expect(slots.admitted('a')).toBe(0);
    expect(slots.saturated()).toEqual([]);
  });

  it('gives up a wait after maxWaitMs, leaving the queue to the others', async () => {
    jest.useFakeTimers();
    const slots = new EndpointSlots(1);
    await slots.acquire('slow', 100);
    const impatient = slots.acquire('slow', 100);
    const patient = slots.acquire('slow', 10_000);
    await jest.advanceTimersByTimeAsync(100);
    expect(await impatient).toBe(false);
    expect(slots.admitted('slow')).toBe(2); // the one running and the patient one

    slots.release('slow');
    expect(await patient).toBe(true);
    slots.release('slow');
    expect(slots.admitted('slow')).toBe(0);
    // The given-up waiter's timer is gone: nothing fires later.
    expect(jest.getTimerCount()).toBe(0);
  });

  it('keeps endpoints apart', async () => {
    const slots = new EndpointSlots(1);
    await slots.acquire('slow', 1000);
    let waiting = true;
    void slots.acquire('slow', 1000).then(() => (waiting = false));
    expect(await slots.acquire('other', 1000)).toBe(true); // not held up by the busy endpoint
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
