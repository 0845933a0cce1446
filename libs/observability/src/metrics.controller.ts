import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import type { Response } from 'express';
import { MetricsRegistry } from './metrics';

/**
 * Prometheus scrape target. Public like `/health` (no guards), and left out of the OpenAPI
 * document, which describes the product API rather than operations endpoints.
 */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly registry: MetricsRegistry) {}

  @Get()
  @ApiExcludeEndpoint()
  async scrape(@Res() response: Response): Promise<void> {
    const body = await this.registry.metrics();
    // end() rather than returning the text: Express's send() would rewrite the Content-Type.
    response.setHeader('Content-Type', this.registry.contentType).end(body);
  }
}
