import { Controller, Get, Inject, Optional } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, type HealthIndicatorFunction } from '@nestjs/terminus';
import { AmqpHealthIndicator } from '@wfp/messaging';
import { MongoHealthIndicator } from '@wfp/persistence';

export const EXTRA_READINESS_CHECKS = Symbol('EXTRA_READINESS_CHECKS');

/**
 * `/health/live` answers while the process can serve requests (restart it when it does not);
 * `/health/ready` also needs the broker and the database (take it out of rotation when it does not).
 */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly broker: AmqpHealthIndicator,
    private readonly database: MongoHealthIndicator,
    @Optional() @Inject(EXTRA_READINESS_CHECKS) private readonly extraChecks: HealthIndicatorFunction[] = [],
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process can serve requests (no dependencies checked)' })
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness: the message broker and the database are reachable' })
  @ApiResponse({ status: 503, description: 'A dependency is down; the body says which' })
  @HealthCheck()
  ready() {
    return this.health.check([() => this.broker.check(), () => this.database.check(), ...this.extraChecks]);
  }
}
