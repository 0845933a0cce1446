import { Invalidations } from './invalidations';

describe('Invalidations', () => {
  it('keeps a load only if neither its key nor everything was invalidated since its ticket', () => {
    const invalidations = new Invalidations();
    const quiet = invalidations.ticket('a');
    expect(invalidations.isCurrent(quiet)).toBe(true);

    const raced = invalidations.ticket('a');
    const other = invalidations.ticket('b');
    invalidations.invalidate('a');
    expect(invalidations.isCurrent(raced)).toBe(false);
    expect(invalidations.isCurrent(other)).toBe(true);
    expect(invalidations.isCurrent(invalidations.ticket('a'))).toBe(true);

    const beforeAll = invalidations.ticket('b');
    invalidations.invalidateAll();
    expect(invalidations.isCurrent(beforeAll)).toBe(false);
    expect(invalidations.isCurrent(invalidations.ticket('b'))).toBe(true);
  });

  it('invalidates everything instead of tracking more keys than its bound', () => {
    const invalidations = new Invalidations(2);
    const pending = invalidations.ticket('z');
    expect(invalidations.invalidate('a')).toBe('key');
    expect(invalidations.invalidate('b')).toBe('key');
    expect(invalidations.invalidate('a')).toBe('key');
    expect(invalidations.isCurrent(pending)).toBe(true);
    expect(invalidations.invalidate('c')).toBe('all');
    expect(invalidations.isCurrent(pending)).toBe(false);
  });
});
