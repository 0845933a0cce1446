import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';

/**
 * Opens a logging context outside HTTP (a message handler): every line logged while `fn` runs,
 * through Nest's Logger or pino, carries `bindings` — above all the correlation id that came with
 * the message, so one request can be followed through every service it reaches.
 */
@Injectable()
export class LogContextService {
  constructor(private readonly logger: PinoLogger) {}

  run<T>(bindings: Record<string, unknown>, fn: () => T): T {
    return this.logger.runInContext(fn, { bindings });
  }

  /** Logs at debug level inside the current context. */
  debug(message: string, fields: Record<string, unknown> = {}): void {
    this.logger.debug(fields, message);
  }
}
