import {
  createParamDecorator,
  HttpStatus,
  Inject,
  Injectable,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { Request } from 'express';
import { timingSafeEqual, createHash } from 'node:crypto';
import { ApiError } from '@wfp/http-kit';
import { OrganizationsService, type ApiPrincipal } from './organizations.service';
import { ADMIN_SESSION_COOKIE, AdminSessions, cookieValue } from './admin-session';

export const ADMIN_TOKEN = Symbol('ADMIN_TOKEN');

interface AuthenticatedRequest extends Request {
  principal?: ApiPrincipal;
}

function bearerToken(request: Request): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match ? match[1] : null;
}

function unauthorized(): ApiError {
  return new ApiError(HttpStatus.UNAUTHORIZED, 'A valid API key is required: send Authorization: Bearer <key>');
}

/** Requires `Authorization: Bearer <api key>`; the request then acts for that key's organization. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(private readonly organizations: OrganizationsService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = bearerToken(request);
    if (!token) throw unauthorized();
    const principal = await this.organizations.authenticate(token);
    if (!principal) throw unauthorized();
    request.principal = principal;
    return true;
  }
}

/** Header the operations page sends with every change it makes (a cross-site form cannot). */
export const OPS_REQUEST_HEADER = 'x-ops-request';

/**
 * Requires `Authorization: Bearer <ADMIN_TOKEN>` (compared in constant time), or the operations
 * page's session cookie. With the cookie, a request that changes something must also carry
 * `X-Ops-Request: 1`: a cross-site form cannot set it, so the cookie alone cannot be ridden.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(
    @Inject(ADMIN_TOKEN) adminToken: string,
    private readonly sessions: AdminSessions,
  ) {
    this.expected = createHash('sha256').update(adminToken).digest();
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    if (this.isAdmin(request)) return true;
    throw new ApiError(
      HttpStatus.UNAUTHORIZED,
      'The admin token is required: send Authorization: Bearer <ADMIN_TOKEN>',
    );
  }

  /** Whether the request carries the admin token or a valid operations-page session. */
  isAdmin(request: Request): boolean {
    const token = bearerToken(request);
    if (token) return this.isAdminToken(token);
    if (!this.sessions.verify(cookieValue(request.headers.cookie, ADMIN_SESSION_COOKIE))) return false;
    return ['GET', 'HEAD'].includes(request.method) || request.headers[OPS_REQUEST_HEADER] === '1';
  }

  /** Whether the request carries the admin token itself (a session cookie does not count). */
  hasAdminToken(request: Request): boolean {
    const token = bearerToken(request);
    return token !== null && this.isAdminToken(token);
  }

  isAdminToken(token: string): boolean {
    return timingSafeEqual(createHash('sha256').update(token).digest(), this.expected);
  }
}

/** The authenticated caller, set by ApiKeyGuard. */
export const Principal = createParamDecorator((_: unknown, context: ExecutionContext): ApiPrincipal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new Error('Principal used on a route without ApiKeyGuard');
  return principal;
});
