import { Injectable, type ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import type { ApiPrincipal } from './organizations.service';

/**
 * Limits requests per API key (after ApiKeyGuard has identified it). A caller over the limit gets
 * 429 with `Retry-After`. Counters live in each gateway instance's memory.
 */
@Injectable()
export class ApiKeyRateLimitGuard extends ThrottlerGuard {
  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    const principal = request['principal'] as ApiPrincipal | undefined;
    return principal ? `key:${principal.keyId}` : `ip:${String(request['ip'])}`;
  }

  protected override async getErrorMessage(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<string> {
    return `Rate limit of ${detail.limit} requests per ${Math.round(detail.ttl / 1000)} s exceeded for this API key; retry after ${detail.timeToBlockExpire} s`;
  }
}
