import { encodeCursor, isNewestFirstPosition, newestFirstAfter, newestFirstCursor, parseCursor } from './cursor';

describe('page cursors', () => {
  it('round-trip a position', () => {
    const cursor = newestFirstCursor({ createdAt: new Date('2026-01-02T03:04:05.000Z'), _id: 'wf_1' });
    expect(parseCursor(cursor, isNewestFirstPosition)).toEqual({ createdAt: '2026-01-02T03:04:05.000Z', id: 'wf_1' });
  });

  it('parse anything else to null', () => {
    for (const cursor of [
      'garbage',
      encodeCursor({ createdAt: 'not a date', id: 'x' }),
      encodeCursor({ id: 'x' }),
      '',
    ]) {
      expect(parseCursor(cursor, isNewestFirstPosition)).toBeNull();
    }
  });

  it('select the items after a position in (createdAt desc, id desc) order', () => {
    expect(newestFirstAfter({ createdAt: '2026-01-02T03:04:05.000Z', id: 'wf_1' })).toEqual({
      $or: [
        { createdAt: { $lt: new Date('2026-01-02T03:04:05.000Z') } },
        { createdAt: new Date('2026-01-02T03:04:05.000Z'), _id: { $lt: 'wf_1' } },
      ],
    });
  });
});
