import { Controller, Get, HttpStatus, Inject, Optional, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { ApiError } from '@wfp/http-kit';
import { MetricsRegistry } from './metrics';

/**
 * When provided (the gateway, whose port is public), `GET /metrics` needs
 * `Authorization: Bearer <this token>`; services whose port stays inside the deployment leave it
 * unset and serve /metrics like /health.
 */
export const METRICS_BEARER_TOKEN = Symbol('METRICS_BEARER_TOKEN');

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Prometheus scrape target, left out of the OpenAPI document (which describes the product API
 * rather than operations endpoints).
 */
@Controller('metrics')
export class MetricsController {
  private readonly expected: Buffer | null;

  constructor(
    private readonly registry: MetricsRegistry,
    @Optional() @Inject(METRICS_BEARER_TOKEN) token?: string,
  ) {
    this.expected = token ? digest(token) : null;
  }

  @Get()
  @ApiExcludeEndpoint()
  async scrape(@Req() request: Request, @Res() response: Response): Promise<void> {
    if (this.expected && !this.authorized(request.headers.authorization)) {
      throw new ApiError(HttpStatus.UNAUTHORIZED, 'GET /metrics needs Authorization: Bearer <ADMIN_TOKEN>');
    }
    const body = await this.registry.metrics();
    // end() rather than returning the text: Express's send() would rewrite the Content-Type.
    response.setHeader('Content-Type', this.registry.contentType).end(body);
  }

  /** Compared as digests in constant time, so the comparison reveals nothing of the token. */
  private authorized(header: string | undefined): boolean {
    const match = /^Bearer\s+(\S+)$/i.exec(header?.trim() ?? '');
    return match !== null && this.expected !== null && timingSafeEqual(digest(match[1]), this.expected);
  }
}
