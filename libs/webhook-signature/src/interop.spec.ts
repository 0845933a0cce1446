import { Webhook } from 'standardwebhooks';
import { generateWebhookSecret, signedHeaders, verifySignature } from './webhook-signature';

/**
 * Interoperability with the independent reference implementation (npm `standardwebhooks`).
 * That library checks its tolerance against the real clock, so these tests sign at "now".
 */
describe('interoperability with the standardwebhooks library', () => {
  const body = JSON.stringify({
    event: 'workflow.run.failed',
    eventId: 'evt_1',
    eventTimestamp: '2024-01-01T00:00:00Z',
    data: { note: 'naïve ✓' },
  });
  const nowSeconds = () => Math.floor(Date.now() / 1000);

  it('the library accepts our signature', () => {
    const secret = generateWebhookSecret();
    const headers = signedHeaders('msg_ours', nowSeconds(), body, [secret]);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it('the library accepts each signature of a rotated pair', () => {
    const oldSecret = generateWebhookSecret();
    const newSecret = generateWebhookSecret();
    const headers = { ...signedHeaders('msg_rotated', nowSeconds(), body, [oldSecret, newSecret]) };
    expect(new Webhook(oldSecret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(newSecret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(generateWebhookSecret()).verify(body, headers)).toThrow();
  });

  it('the library rejects our signature over a tampered body', () => {
    const secret = generateWebhookSecret();
    const headers = { ...signedHeaders('msg_ours', nowSeconds(), body, [secret]) };
    expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow();
  });

  it('we accept the library signature', () => {
    const secret = generateWebhookSecret();
    const ts = nowSeconds();
    const signature = new Webhook(secret).sign('msg_theirs', new Date(ts * 1000), body);
    const headers = { 'webhook-id': 'msg_theirs', 'webhook-timestamp': String(ts), 'webhook-signature': signature };
    expect(verifySignature({ headers, body, secret })).toEqual({ ok: true });
    expect(verifySignature({ headers, body: Buffer.from(body), secret })).toEqual({ ok: true });
  });

  it('we agree with the library on the exact signature string', () => {
    const secret = generateWebhookSecret();
    const ts = 1_700_000_000;
    const theirs = new Webhook(secret).sign('msg_same', new Date(ts * 1000), body);
    expect(signedHeaders('msg_same', ts, body, [secret])['webhook-signature']).toBe(theirs);
  });

  it('we reject the library signature made with another secret or over another body', () => {
    const secret = generateWebhookSecret();
    const ts = nowSeconds();
    const signature = new Webhook(generateWebhookSecret()).sign('msg_theirs', new Date(ts * 1000), body);
    const headers = { 'webhook-id': 'msg_theirs', 'webhook-timestamp': String(ts), 'webhook-signature': signature };
    expect(verifySignature({ headers, body, secret })).toEqual({ ok: false, reason: 'bad-signature' });
    const own = new Webhook(secret).sign('msg_theirs', new Date(ts * 1000), body);
    expect(verifySignature({ headers: { ...headers, 'webhook-signature': own }, body: '{}', secret })).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
  });
});
