import { createHmac, createSecretKey, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';

/**
 * Standard Webhooks (https://www.standardwebhooks.com/) signing and verification, symmetric
 * scheme `v1` only: `webhook-signature` = space-separated `v1,<base64 HMAC-SHA256(key,
 * "<webhook-id>.<webhook-timestamp>.<raw body>")>`, key = base64-decoded secret after `whsec_`.
 */

export const WEBHOOK_SECRET_PREFIX = 'whsec_';
export const WEBHOOK_ID_HEADER = 'webhook-id';
export const WEBHOOK_TIMESTAMP_HEADER = 'webhook-timestamp';
export const WEBHOOK_SIGNATURE_HEADER = 'webhook-signature';
/** Shortest and longest accepted key, in bytes (DESIGN.md section 7). */
export const WEBHOOK_SECRET_MIN_BYTES = 24;
export const WEBHOOK_SECRET_MAX_BYTES = 64;
export const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300;

const GENERATED_SECRET_BYTES = 32;
const SIGNATURE_VERSION = 'v1';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** A type alias (not an interface) so it is assignable to `Record<string, string>` (fetch, axios, Node). */
export type SignedWebhookHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

/** Incoming headers as Node gives them (`IncomingMessage.headers`), or any plain record. */
export type WebhookHeadersInput = Record<string, string | string[] | undefined>;

export type VerificationFailureReason = 'missing-headers' | 'timestamp-out-of-tolerance' | 'bad-signature';

export type VerificationResult = { ok: true } | { ok: false; reason: VerificationFailureReason };

export interface SignPayloadInput {
  id: string;
  /** Unix seconds (integer). */
  timestamp: number;
  /** The exact bytes sent on the wire. */
  body: string | Buffer;
  /** One signature per secret; during rotation pass the old and the new one. */
  secrets: readonly string[];
}

export interface VerifySignatureInput {
  headers: WebhookHeadersInput;
  /** The raw request body, exactly as received (before any JSON parsing). */
  body: string | Buffer;
  /** The shared secret; a list is accepted too (receiver-side rotation): any match passes. */
  secret: string | readonly string[];
  toleranceSeconds?: number;
  /** Current time in milliseconds (defaults to `Date.now()`). */
  now?: number;
}

/** A new secret: `whsec_` + base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return WEBHOOK_SECRET_PREFIX + randomBytes(GENERATED_SECRET_BYTES).toString('base64');
}

/**
 * Decodes `whsec_<base64>` (or bare base64) to the HMAC key. Throws on anything that is not
 * canonical standard base64 or decodes to fewer than 24 or more than 64 bytes. The error
 * message never includes the secret itself.
 */
export function parseWebhookSecret(secret: string): Buffer {
  if (typeof secret !== 'string' || secret.trim() === '') {
    throw new Error('Invalid webhook secret: expected a non-empty string "whsec_<base64>"');
  }
  const encoded = secret.startsWith(WEBHOOK_SECRET_PREFIX) ? secret.slice(WEBHOOK_SECRET_PREFIX.length) : secret;
  if (!BASE64.test(encoded) || encoded.length % 4 === 1) {
    throw new Error('Invalid webhook secret: expected "whsec_" followed by standard base64');
  }
  const key = Buffer.from(encoded, 'base64');
  // Node's decoder silently ignores stray input; re-encoding catches non-canonical strings.
  if (key.toString('base64').replace(/=+$/, '') !== encoded.replace(/=+$/, '')) {
    throw new Error('Invalid webhook secret: base64 is not canonical');
  }
  if (key.length < WEBHOOK_SECRET_MIN_BYTES || key.length > WEBHOOK_SECRET_MAX_BYTES) {
    throw new Error(
      `Invalid webhook secret: key is ${key.length} bytes, expected ${WEBHOOK_SECRET_MIN_BYTES}-${WEBHOOK_SECRET_MAX_BYTES}`,
    );
  }
  return key;
}

/** Keys of the secrets in use, parsed once: a key made per signature costs more than the HMAC. */
const SIGNING_KEYS_KEPT = 1000;
const signingKeys = new Map<string, KeyObject>();

function signingKey(secret: string): KeyObject {
  let key = signingKeys.get(secret);
  if (!key) {
    key = createSecretKey(parseWebhookSecret(secret));
    if (signingKeys.size >= SIGNING_KEYS_KEPT) signingKeys.delete(signingKeys.keys().next().value as string);
    signingKeys.set(secret, key);
  }
  return key;
}

function hmacBase64(key: Buffer | KeyObject, id: string, timestamp: number, body: string | Buffer): string {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64');
}

function assertSignInput(id: string, timestamp: number): void {
  if (typeof id !== 'string' || id === '') throw new Error('Webhook id must be a non-empty string');
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new Error(`Webhook timestamp must be a non-negative integer of unix seconds, got ${timestamp}`);
  }
}

/** The `webhook-signature` header value: `v1,<sig>` per secret, space-separated. */
export function signPayload({ id, timestamp, body, secrets }: SignPayloadInput): string {
  assertSignInput(id, timestamp);
  if (!Array.isArray(secrets) || secrets.length === 0) throw new Error('At least one webhook secret is required');
  return secrets
    .map((secret) => `${SIGNATURE_VERSION},${hmacBase64(signingKey(secret), id, timestamp, body)}`)
    .join(' ');
}

/** The three Standard Webhooks headers for one delivery. */
export function signedHeaders(
  id: string,
  timestamp: number,
  body: string | Buffer,
  secrets: readonly string[],
): SignedWebhookHeaders {
  return {
    [WEBHOOK_ID_HEADER]: id,
    [WEBHOOK_TIMESTAMP_HEADER]: String(timestamp),
    [WEBHOOK_SIGNATURE_HEADER]: signPayload({ id, timestamp, body, secrets }),
  };
}

function readHeader(headers: WebhookHeadersInput, name: string): string | string[] | undefined {
  if (!headers) return undefined;
  if (headers[name] !== undefined) return headers[name];
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() === name) return headers[key];
  }
  return undefined;
}

function single(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/**
 * Verifies a Standard Webhooks request. Headers are read case-insensitively; every `v1,` entry of
 * `webhook-signature` is compared in constant time against the expected signature of each secret.
 * A missing or non-integer `webhook-id`/`webhook-timestamp`/`webhook-signature` is
 * `missing-headers`. A malformed secret is a configuration error and throws.
 */
export function verifySignature({
  headers,
  body,
  secret,
  toleranceSeconds = DEFAULT_WEBHOOK_TOLERANCE_SECONDS,
  now = Date.now(),
}: VerifySignatureInput): VerificationResult {
  const keys = (typeof secret === 'string' ? [secret] : [...secret]).map(parseWebhookSecret);
  if (keys.length === 0) throw new Error('At least one webhook secret is required');

  const id = single(readHeader(headers, WEBHOOK_ID_HEADER));
  const timestampRaw = single(readHeader(headers, WEBHOOK_TIMESTAMP_HEADER));
  const signatureRaw = readHeader(headers, WEBHOOK_SIGNATURE_HEADER);
  const signatureHeader = (Array.isArray(signatureRaw) ? signatureRaw.join(' ') : (signatureRaw ?? '')).trim();
  if (!id || !timestampRaw || !signatureHeader || !/^\d+$/.test(timestampRaw)) {
    return { ok: false, reason: 'missing-headers' };
  }
  const timestamp = Number(timestampRaw);
  if (!Number.isSafeInteger(timestamp)) return { ok: false, reason: 'missing-headers' };

  const nowSeconds = Math.floor(now / 1000);
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) {
    return { ok: false, reason: 'timestamp-out-of-tolerance' };
  }

  const passed = signatureHeader
    .split(/\s+/)
    .filter((entry) => entry.startsWith(`${SIGNATURE_VERSION},`))
    .map((entry) => Buffer.from(entry.slice(SIGNATURE_VERSION.length + 1), 'utf8'));
  let matched = false;
  for (const key of keys) {
    const expected = Buffer.from(hmacBase64(key, id, timestamp, body), 'utf8');
    for (const candidate of passed) {
      // No early exit: every comparison runs so timing does not reveal which entry matched.
      if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) matched = true;
    }
  }
  return matched ? { ok: true } : { ok: false, reason: 'bad-signature' };
}
