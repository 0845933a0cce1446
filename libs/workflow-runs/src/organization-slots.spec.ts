import { OrganizationSlots } from './organization-slots';

describe('OrganizationSlots', () => {
  it('admits up to the limit per organization, others unaffected, and frees a slot once', () => {
    const slots = new OrganizationSlots(2);
    const first = slots.tryTake('org_busy');
    const second = slots.tryTake('org_busy');
    expect(first).not.toBeNull();
    expect(second).not.toBeNull();
    expect(slots.tryTake('org_busy')).toBeNull();
    expect(slots.tryTake('org_calm')).not.toBeNull();
    first?.();
    first?.();
    expect(slots.inFlight('org_busy')).toBe(1);
    expect(slots.tryTake('org_busy')).not.toBeNull();
    expect(slots.tryTake('org_busy')).toBeNull();
  });
});
