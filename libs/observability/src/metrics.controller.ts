import { Controller, Get, HttpStatus, Inject, Optional, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiError } from '@wfp/http-kit';
import { MetricsRegistryService } from './metrics-registry.service';

/**
 * Who may read `GET /metrics`, when provided (the gateway, whose port is public, lets only the
 * admin token in); services whose port stays inside the deployment leave it unset and serve
 * /metrics like /health.
 */
export const METRICS_ACCESS = Symbol('METRICS_ACCESS');
export type MetricsAccess = (request: Request) => boolean;

/**
 * Prometheus scrape target, left out of the OpenAPI document (which describes the product API
 * rather than operations endpoints).
 */
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly registry: MetricsRegistryService,
    @Optional() @Inject(METRICS_ACCESS) private readonly mayRead?: MetricsAccess,
  ) {}

  @Get()
  @ApiExcludeEndpoint()
  async scrape(@Req() request: Request, @Res() response: Response): Promise<void> {
    if (this.mayRead && !this.mayRead(request)) {
      throw new ApiError(HttpStatus.UNAUTHORIZED, 'GET /metrics needs Authorization: Bearer <ADMIN_TOKEN>');
    }
    const body = await this.registry.metrics();
    // end() rather than returning the text: Express's send() would rewrite the Content-Type.
    response.setHeader('Content-Type', this.registry.contentType).end(body);
  }
}
