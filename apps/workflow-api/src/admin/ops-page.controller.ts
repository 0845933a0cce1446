import { Body, Controller, Get, HttpCode, HttpStatus, Post, Req, Res, UseGuards } from '@nestjs/common';
import { Throttle } from '@nestjs/throttler';
import { ApiExcludeController } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import type { Request, Response } from 'express';
import { ADMIN_SESSION_COOKIE, AdminSessions, AdminTokenGuard, ApiKeyRateLimitGuard } from '@wfp/api-access';
import { ApiError } from '@wfp/http-kit';
import { CORRELATION_ID_HEADER } from '@wfp/observability';
import {
  OPS_PAGE_HEADERS,
  OPS_SCRIPT,
  OPS_STYLE,
  OpsSnapshotService,
  renderOpsPage,
  renderSignInPage,
} from '@wfp/operations';

/** Sign-in attempts per client address per minute: enough for a person, too few to guess a token. */
const SIGN_IN_ATTEMPTS_PER_MINUTE = 10;

/**
 * A form posted from another site. Browsers say where a request comes from in `Sec-Fetch-Site`
 * (trusted when present: the page's no-referrer policy makes them send `Origin: null`), else in
 * `Origin`. Clients that send neither (curl, scripts) are not browsers riding a session.
 */
function isCrossSite(request: Request): boolean {
  const fetchSite = request.headers['sec-fetch-site'];
  if (typeof fetchSite === 'string') return fetchSite !== 'same-origin' && fetchSite !== 'none';
  const origin = request.headers.origin;
  if (!origin) return false;
  try {
    return new URL(origin).host !== request.headers.host;
  } catch {
    return true; // `null` or garbage from a browser that gives no Sec-Fetch-Site
  }
}

export class OpsSignInDto {
  @IsString({ message: 'token is required' })
  @MaxLength(512)
  token!: string;
}

/**
 * `GET /ops`, the operations page (DESIGN.md section 4): the admin token as a Bearer header, or
 * a session cookie set by signing in with it here. Server-rendered, with one small script for
 * the DLQ actions (which call /v1/admin with the session). Kept out of the OpenAPI document.
 */
@ApiExcludeController()
@Controller('ops')
export class OpsPageController {
  constructor(
    private readonly admin: AdminTokenGuard,
    private readonly sessions: AdminSessions,
    private readonly snapshots: OpsSnapshotService,
  ) {}

  @Get()
  async page(@Req() request: Request, @Res() response: Response): Promise<void> {
    response.set(OPS_PAGE_HEADERS).type('html');
    if (!this.admin.isAdmin(request)) {
      response.status(401).send(renderSignInPage());
      return;
    }
    const correlationId = String(response.getHeader(CORRELATION_ID_HEADER) ?? 'ops-page');
    response.status(200).send(renderOpsPage(await this.snapshots.take(correlationId)));
  }

  @Post('session')
  @UseGuards(ApiKeyRateLimitGuard)
  @Throttle({ default: { limit: SIGN_IN_ATTEMPTS_PER_MINUTE, ttl: 60_000 } })
  signIn(@Body() body: OpsSignInDto, @Req() request: Request, @Res() response: Response): void {
    if (isCrossSite(request)) throw new ApiError(HttpStatus.FORBIDDEN, 'Sign in from the operations page itself');
    response.set(OPS_PAGE_HEADERS);
    if (!this.admin.isAdminToken(body.token)) {
      response.status(401).type('html').send(renderSignInPage('That is not the admin token.'));
      return;
    }
    const session = this.sessions.issue();
    response.cookie(ADMIN_SESSION_COOKIE, session.value, {
      httpOnly: true,
      sameSite: 'strict',
      secure: request.secure,
      path: '/',
      maxAge: session.maxAgeSeconds * 1000,
    });
    response.redirect(303, '/ops');
  }

  @Post('sign-out')
  signOut(@Req() request: Request, @Res() response: Response): void {
    if (isCrossSite(request)) throw new ApiError(HttpStatus.FORBIDDEN, 'Sign out from the operations page itself');
    response.clearCookie(ADMIN_SESSION_COOKIE, { path: '/' }).redirect(303, '/ops');
  }

  @Get('ops.js')
  @HttpCode(200)
  script(@Res() response: Response): void {
    response.set(OPS_PAGE_HEADERS).type('application/javascript').send(OPS_SCRIPT);
  }

  @Get('ops.css')
  style(@Res() response: Response): void {
    response.set(OPS_PAGE_HEADERS).type('text/css').send(OPS_STYLE);
  }
}
