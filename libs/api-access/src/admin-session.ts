import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const ADMIN_SESSION_COOKIE = 'wfp_ops_session';
export const ADMIN_SESSION_TTL_MS = 8 * 60 * 60 * 1000;

/**
 * The operations page's session: signing in with the admin token sets a cookie that proves it
 * without holding it (`v1.<expiresAt>.<HMAC>`, keyed by a hash of the token), so changing the
 * token ends every session and a stolen cookie expires on its own.
 */
export class AdminSessions {
  private readonly key: Buffer;

  constructor(adminToken: string) {
    this.key = createHash('sha256').update(`ops-session:${adminToken}`).digest();
  }

  issue(now: Date = new Date()): { value: string; maxAgeSeconds: number } {
    const expiresAt = now.getTime() + ADMIN_SESSION_TTL_MS;
    return { value: `v1.${expiresAt}.${this.sign(expiresAt)}`, maxAgeSeconds: ADMIN_SESSION_TTL_MS / 1000 };
  }

  verify(value: string | undefined, now: Date = new Date()): boolean {
    const match = /^v1\.(\d{13})\.([\w-]{43})$/.exec(value ?? '');
    if (!match) return false;
    const expiresAt = Number(match[1]);
    if (expiresAt <= now.getTime()) return false;
    const expected = Buffer.from(this.sign(expiresAt));
    const given = Buffer.from(match[2]);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  private sign(expiresAt: number): string {
    return createHmac('sha256', this.key).update(String(expiresAt)).digest('base64url');
  }
}

/** The value of one cookie in a Cookie header, if present. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return undefined;
}
