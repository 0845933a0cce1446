import { AdminSessions, ADMIN_SESSION_TTL_MS, cookieValue } from './admin-session';

describe('AdminSessions', () => {
  const sessions = new AdminSessions('admin-token-0123456789');
  const now = new Date('2026-11-22T10:00:00.000Z');

  it('accepts a session it issued until it expires', () => {
    const { value, maxAgeSeconds } = sessions.issue(now);
    expect(maxAgeSeconds).toBe(ADMIN_SESSION_TTL_MS / 1000);
    expect(sessions.verify(value, now)).toBe(true);
    expect(sessions.verify(value, new Date(now.getTime() + ADMIN_SESSION_TTL_MS - 1))).toBe(true);
    expect(sessions.verify(value, new Date(now.getTime() + ADMIN_SESSION_TTL_MS))).toBe(false);
  });

  it('refuses a session signed for another admin token, a forged expiry and garbage', () => {
    const { value } = sessions.issue(now);
    expect(new AdminSessions('another-token-0123456789').verify(value, now)).toBe(false);
    const [version, expiresAt, mac] = value.split('.');
    expect(sessions.verify(`${version}.${Number(expiresAt) + 1000}.${mac}`, now)).toBe(false);
    expect(sessions.verify(undefined, now)).toBe(false);
    expect(sessions.verify('v1.1.x', now)).toBe(false);
  });

  it('never contains the admin token', () => {
    expect(sessions.issue(now).value).not.toContain('admin-token');
  });
});

describe('cookieValue', () => {
  it('finds one cookie among several', () => {
    expect(cookieValue('a=1; wfp_ops_session=v1.2.3 ; b=2', 'wfp_ops_session')).toBe('v1.2.3');
    expect(cookieValue('a=1', 'wfp_ops_session')).toBeUndefined();
    expect(cookieValue(undefined, 'a')).toBeUndefined();
  });
});
