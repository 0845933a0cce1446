import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import type { Request, Response } from 'express';
import { ADMIN_SESSION_COOKIE, AdminSessions, AdminTokenGuard } from '@wfp/api-access';
import { CORRELATION_ID_HEADER } from '@wfp/observability';
import {
  OPS_PAGE_HEADERS,
  OPS_SCRIPT,
  OPS_STYLE,
  OpsSnapshotService,
  renderOpsPage,
  renderSignInPage,
} from '@wfp/operations';

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
  signIn(@Body() body: OpsSignInDto, @Req() request: Request, @Res() response: Response): void {
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
  signOut(@Res() response: Response): void {
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
