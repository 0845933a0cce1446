import { createHash, randomBytes } from 'node:crypto';

export const API_KEY_PREFIX = 'wfk_';

export function generateApiKey(): string {
  return `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Cheap shape check before touching the database: 4-char prefix + 43 base64url chars. */
export function looksLikeApiKey(value: string): boolean {
  return /^wfk_[A-Za-z0-9_-]{43}$/.test(value);
}
