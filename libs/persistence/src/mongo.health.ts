import { Injectable } from '@nestjs/common';
import { MongooseHealthIndicator } from '@nestjs/terminus';

/** Readiness of the service's database: a `ping` that must answer within the timeout. */
@Injectable()
export class MongoHealthIndicator {
  constructor(private readonly mongoose: MongooseHealthIndicator) {}

  check(key = 'database') {
    return this.mongoose.pingCheck(key, { timeout: 1500 });
  }
}
