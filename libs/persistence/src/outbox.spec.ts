import { carriedOutbox, OUTBOX_CARRY_MS, ownEntries, type OutboxEntry } from './outbox';

const now = new Date('2026-12-01T10:00:00Z');
const entry = (id: string, cause: string, ageMs = 0): OutboxEntry => ({
  id,
  kind: 'events',
  body: `{"id":"${id}"}`,
  cause,
  at: new Date(now.getTime() - ageMs),
});

describe('carriedOutbox', () => {
  it('drops the entries this process published and appends the new ones', () => {
    const stored = [entry('e1', 'm1'), entry('e2', 'm1')];
    const added = [entry('e3', 'm2')];
    expect(carriedOutbox(stored, added, (id) => id === 'e1' || id === 'e2', now)).toEqual(added);
  });

  it("keeps another operation's entries this process has not seen published", () => {
    const stored = [entry('e1', 'm1'), entry('e2', 'other')];
    const added = [entry('e3', 'm2')];
    expect(carriedOutbox(stored, added, (id) => id === 'e1', now).map((e) => e.id)).toEqual(['e2', 'e3']);
  });

  it('lets unseen entries go once they are older than the carry limit', () => {
    const stored = [entry('old', 'other', OUTBOX_CARRY_MS + 1), entry('recent', 'other', OUTBOX_CARRY_MS - 1)];
    expect(carriedOutbox(stored, [], () => false, now).map((e) => e.id)).toEqual(['recent']);
  });

  it('starts from nothing when the document has no outbox', () => {
    expect(carriedOutbox(undefined, [entry('e1', 'm1')], () => false, now)).toHaveLength(1);
  });
});

describe('ownEntries', () => {
  it('selects the entries the repeated operation wrote, in their order', () => {
    const stored = [entry('a', 'm1'), entry('b', 'm2'), entry('c', 'm1')];
    expect(ownEntries(stored, 'm1').map((e) => e.id)).toEqual(['a', 'c']);
    expect(ownEntries(undefined, 'm1')).toEqual([]);
  });
});
