import { OrganizationSlots } from './organization-slots';

describe('OrganizationSlots', () => {
  it('admits an organization beyond its share only while the instance has room to spare', () => {
    // A share of 2; room to spare while fewer than 3 messages are in flight in all.
    const slots = new OrganizationSlots(2, 3);
    const busy = [slots.tryTake('org_busy'), slots.tryTake('org_busy'), slots.tryTake('org_busy')];
    expect(busy.every(Boolean)).toBe(true);
    expect(slots.tryTake('org_busy')).toBeNull();
    // Another organization still gets its share, whatever the first one holds.
    const calm = [slots.tryTake('org_calm'), slots.tryTake('org_calm')];
    expect(calm.every(Boolean)).toBe(true);
    expect(slots.tryTake('org_calm')).toBeNull();
    // Freeing one of the busy ones: the busy organization is still past its share and nothing is spare.
    busy[0]?.();
    busy[0]?.();
    expect(slots.inFlight('org_busy')).toBe(2);
    expect(slots.tryTake('org_busy')).toBeNull();
    calm.forEach((release) => release?.());
    busy.forEach((release) => release?.());
    expect(slots.inFlight('org_busy')).toBe(0);
    expect(slots.tryTake('org_busy')).not.toBeNull();
  });
});
