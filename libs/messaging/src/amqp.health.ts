import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { AmqpConnectionService } from './amqp-connection.service';

@Injectable()
export class AmqpHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly connection: AmqpConnectionService,
  ) {}

  check(key = 'broker') {
    const indicator = this.health.check(key);
    return this.connection.isConnected() ? indicator.up() : indicator.down({ message: 'not connected' });
  }
}
