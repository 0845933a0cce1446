import { createHmac, randomBytes } from 'node:crypto';
import {
  generateWebhookSecret,
  parseWebhookSecret,
  signedHeaders,
  signPayload,
  verifySignature,
} from './webhook-signature';

const NOW_MS = 1_700_000_000_000;
const TS = NOW_MS / 1000;
const ID = 'msg_2b4f6a';
const BODY = JSON.stringify({ event: 'workflow.run.completed', eventId: 'msg_2b4f6a', data: { n: 1, s: 'é✓' } });

describe('generateWebhookSecret / parseWebhookSecret', () => {
  it('generates whsec_ + base64 of 32 random bytes', () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(parseWebhookSecret(secret)).toHaveLength(32);
    expect(generateWebhookSecret()).not.toEqual(secret);
  });

  it('accepts the prefix or bare base64, with or without padding', () => {
    const key = randomBytes(32);
    const b64 = key.toString('base64');
    expect(parseWebhookSecret(`whsec_${b64}`).equals(key)).toBe(true);
    expect(parseWebhookSecret(b64).equals(key)).toBe(true);
    expect(parseWebhookSecret(b64.replace(/=+$/, '')).equals(key)).toBe(true);
  });

  it('accepts keys of 24 to 64 bytes', () => {
    expect(parseWebhookSecret(`whsec_${randomBytes(24).toString('base64')}`)).toHaveLength(24);
    expect(parseWebhookSecret(`whsec_${randomBytes(64).toString('base64')}`)).toHaveLength(64);
  });

  it.each([
    ['empty', ''],
    ['prefix only', 'whsec_'],
    ['not base64', 'whsec_not base64 at all!!'],
    ['base64url alphabet', `whsec_${Buffer.alloc(32, 0xfb).toString('base64url')}`],
    ['wrong prefix', `whsek_${randomBytes(32).toString('base64')}`],
    ['too short (23 bytes)', `whsec_${randomBytes(23).toString('base64')}`],
    ['too long (65 bytes)', `whsec_${randomBytes(65).toString('base64')}`],
  ])('rejects a malformed secret: %s', (_label, secret) => {
    expect(() => parseWebhookSecret(secret)).toThrow(/Invalid webhook secret/);
  });

  it('does not leak the secret in the error message', () => {
    const secret = `whsec_${randomBytes(10).toString('base64')}`;
    expect(() => parseWebhookSecret(secret)).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(secret.slice(6)) }),
    );
  });
});

describe('signPayload / signedHeaders', () => {
  it('produces v1,<base64 HMAC-SHA256(key, "id.ts.body")>', () => {
    const secret = generateWebhookSecret();
    const expected = createHmac('sha256', parseWebhookSecret(secret)).update(`${ID}.${TS}.${BODY}`).digest('base64');
    expect(signPayload({ id: ID, timestamp: TS, body: BODY, secrets: [secret] })).toBe(`v1,${expected}`);
  });

  it('signs a Buffer body the same as the equivalent string', () => {
    const secret = generateWebhookSecret();
    expect(signPayload({ id: ID, timestamp: TS, body: Buffer.from(BODY, 'utf8'), secrets: [secret] })).toBe(
      signPayload({ id: ID, timestamp: TS, body: BODY, secrets: [secret] }),
    );
  });

  it('builds the three headers with the timestamp as a decimal string', () => {
    const secret = generateWebhookSecret();
    expect(signedHeaders(ID, TS, BODY, [secret])).toEqual({
      'webhook-id': ID,
      'webhook-timestamp': '1700000000',
      'webhook-signature': signPayload({ id: ID, timestamp: TS, body: BODY, secrets: [secret] }),
    });
  });

  it('rejects no secrets, an empty id and a non-integer timestamp', () => {
    const secret = generateWebhookSecret();
    expect(() => signPayload({ id: ID, timestamp: TS, body: BODY, secrets: [] })).toThrow(/secret/);
    expect(() => signPayload({ id: '', timestamp: TS, body: BODY, secrets: [secret] })).toThrow(/id/);
    expect(() => signPayload({ id: ID, timestamp: NOW_MS / 1000 + 0.5, body: BODY, secrets: [secret] })).toThrow(
      /timestamp/,
    );
    expect(() => signPayload({ id: ID, timestamp: TS, body: BODY, secrets: ['whsec_short'] })).toThrow(
      /Invalid webhook secret/,
    );
  });
});

describe('verifySignature', () => {
  const secret = generateWebhookSecret();
  const headers = signedHeaders(ID, TS, BODY, [secret]);

  it('accepts what signedHeaders produced (round trip)', () => {
    expect(verifySignature({ headers, body: BODY, secret, now: NOW_MS })).toEqual({ ok: true });
    expect(verifySignature({ headers, body: Buffer.from(BODY), secret, now: NOW_MS })).toEqual({ ok: true });
  });

  it('reads headers case-insensitively and accepts Node-style array values', () => {
    const mixed = {
      'Webhook-Id': headers['webhook-id'],
      'WEBHOOK-TIMESTAMP': [headers['webhook-timestamp']],
      'webhook-Signature': headers['webhook-signature'],
      'content-type': 'application/json',
      'x-other': undefined,
    };
    expect(verifySignature({ headers: mixed, body: BODY, secret, now: NOW_MS })).toEqual({ ok: true });
  });

  it('signs with every secret during rotation; each one verifies on its own', () => {
    const oldSecret = generateWebhookSecret();
    const newSecret = generateWebhookSecret();
    const rotated = signedHeaders(ID, TS, BODY, [oldSecret, newSecret]);
    const entries = rotated['webhook-signature'].split(' ');
    expect(entries).toHaveLength(2);
    expect(entries.every((e) => e.startsWith('v1,'))).toBe(true);
    expect(entries[0]).not.toEqual(entries[1]);
    expect(verifySignature({ headers: rotated, body: BODY, secret: oldSecret, now: NOW_MS })).toEqual({ ok: true });
    expect(verifySignature({ headers: rotated, body: BODY, secret: newSecret, now: NOW_MS })).toEqual({ ok: true });
    expect(verifySignature({ headers: rotated, body: BODY, secret, now: NOW_MS })).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it('accepts a list of secrets on the receiving side (any match passes)', () => {
    const other = generateWebhookSecret();
    expect(verifySignature({ headers, body: BODY, secret: [other, secret], now: NOW_MS })).toEqual({ ok: true });
    expect(verifySignature({ headers, body: BODY, secret: [other], now: NOW_MS })).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it('ignores unknown signature versions and malformed entries', () => {
    const sig = headers['webhook-signature'];
    const noisy = { ...headers, 'webhook-signature': `v1a,abc v2,${sig.slice(3)} garbage ${sig}` };
    expect(verifySignature({ headers: noisy, body: BODY, secret, now: NOW_MS })).toEqual({ ok: true });
    const onlyOther = { ...headers, 'webhook-signature': `v2,${sig.slice(3)}` };
    expect(verifySignature({ headers: onlyOther, body: BODY, secret, now: NOW_MS })).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it('fails a tampered body', () => {
    expect(verifySignature({ headers, body: BODY.replace('"n":1', '"n":2'), secret, now: NOW_MS })).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    expect(verifySignature({ headers, body: `${BODY} `, secret, now: NOW_MS })).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it('fails a tampered id', () => {
    expect(
      verifySignature({ headers: { ...headers, 'webhook-id': 'msg_other' }, body: BODY, secret, now: NOW_MS }),
    ).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it('fails a tampered timestamp (even one inside the tolerance window)', () => {
    const shifted = { ...headers, 'webhook-timestamp': String(TS + 1) };
    expect(verifySignature({ headers: shifted, body: BODY, secret, now: NOW_MS })).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it('fails a tampered signature and the wrong secret', () => {
    const sig = headers['webhook-signature'];
    const flipped = sig.slice(0, 5) + (sig[5] === 'A' ? 'B' : 'A') + sig.slice(6);
    expect(
      verifySignature({ headers: { ...headers, 'webhook-signature': flipped }, body: BODY, secret, now: NOW_MS }),
    ).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    expect(verifySignature({ headers, body: BODY, secret: generateWebhookSecret(), now: NOW_MS })).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const)('reports missing header %s', (name) => {
    const without: Record<string, string | undefined> = { ...headers };
    delete without[name];
    expect(verifySignature({ headers: without, body: BODY, secret, now: NOW_MS })).toEqual({
      ok: false,
      reason: 'missing-headers',
    });
    expect(verifySignature({ headers: { ...headers, [name]: '' }, body: BODY, secret, now: NOW_MS })).toEqual({
      ok: false,
      reason: 'missing-headers',
    });
  });

  it.each(['abc', '1700000000.5', '-1700000000', '1e9'])(
    'treats a non-integer timestamp %p as malformed headers',
    (ts) => {
      expect(
        verifySignature({ headers: { ...headers, 'webhook-timestamp': ts }, body: BODY, secret, now: NOW_MS }),
      ).toEqual({
        ok: false,
        reason: 'missing-headers',
      });
    },
  );

  describe('tolerance window', () => {
    const at = (offsetSeconds: number, toleranceSeconds?: number) =>
      verifySignature({ headers, body: BODY, secret, now: NOW_MS + offsetSeconds * 1000, toleranceSeconds });

    it('accepts up to 300 s either side by default (inclusive)', () => {
      expect(at(300)).toEqual({ ok: true });
      expect(at(-300)).toEqual({ ok: true });
      expect(at(300.999)).toEqual({ ok: true });
    });

    it('rejects a timestamp too old', () => {
      expect(at(301)).toEqual({ ok: false, reason: 'timestamp-out-of-tolerance' });
    });

    it('rejects a timestamp too far in the future', () => {
      expect(at(-301)).toEqual({ ok: false, reason: 'timestamp-out-of-tolerance' });
    });

    it('honours a custom tolerance', () => {
      expect(at(10, 10)).toEqual({ ok: true });
      expect(at(11, 10)).toEqual({ ok: false, reason: 'timestamp-out-of-tolerance' });
      expect(at(-11, 10)).toEqual({ ok: false, reason: 'timestamp-out-of-tolerance' });
    });

    it('checks the window before the signature', () => {
      const bad = { ...headers, 'webhook-signature': 'v1,AAAA' };
      expect(verifySignature({ headers: bad, body: BODY, secret, now: NOW_MS + 3600_000 })).toEqual({
        ok: false,
        reason: 'timestamp-out-of-tolerance',
      });
    });
  });

  it('throws on a malformed configured secret instead of returning a verdict', () => {
    expect(() => verifySignature({ headers, body: BODY, secret: 'whsec_###', now: NOW_MS })).toThrow(
      /Invalid webhook secret/,
    );
    expect(() => verifySignature({ headers, body: BODY, secret: [], now: NOW_MS })).toThrow(/secret/);
  });
});
