import { deadLetterNoticeId } from './dead-letter-notices.service';

describe('deadLetterNoticeId', () => {
  it('is the same for the same failure, so a notice sent again after a crash is a duplicate by id', () => {
    expect(deadLetterNoticeId('evt_1:we_1', 4, 'RETRIES_EXHAUSTED')).toBe(
      deadLetterNoticeId('evt_1:we_1', 4, 'RETRIES_EXHAUSTED'),
    );
    expect(deadLetterNoticeId('evt_1:we_1', 4, 'RETRIES_EXHAUSTED')).toMatch(/^cmd_[0-9a-f]{32}$/);
  });

  it('differs for another failure of the delivery (a later round) or another delivery', () => {
    const first = deadLetterNoticeId('evt_1:we_1', 4, 'RETRIES_EXHAUSTED');
    expect(deadLetterNoticeId('evt_1:we_1', 8, 'RETRIES_EXHAUSTED')).not.toBe(first);
    expect(deadLetterNoticeId('evt_1:we_1', 4, 'ENDPOINT_DISABLED')).not.toBe(first);
    expect(deadLetterNoticeId('evt_2:we_1', 4, 'RETRIES_EXHAUSTED')).not.toBe(first);
  });
});
