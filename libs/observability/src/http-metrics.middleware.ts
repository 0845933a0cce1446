import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { Histogram } from 'prom-client';
import { MetricsRegistryService } from './metrics-registry.service';

/**
 * One observation per HTTP request, by method, route pattern (not the raw path, which would make
 * a series per id) and status code. As middleware rather than an interceptor so that requests
 * refused before a handler runs (401 from a guard, 404, 413) are counted too.
 */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  private readonly duration: Histogram<'method' | 'route' | 'status'>;

  constructor(registry: MetricsRegistryService) {
    this.duration = registry.histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP requests served, by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    });
  }

  use(request: Request, response: Response, next: NextFunction): void {
    const stop = this.duration.startTimer({ method: request.method });
    response.once('finish', () => {
      const route = (request.route as { path?: string } | undefined)?.path;
      stop({ route: route ?? 'unmatched', status: String(response.statusCode) });
    });
    next();
  }
}
