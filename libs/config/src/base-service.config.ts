import { Expose } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { ToInt, ToIntList } from './transforms';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Settings every service reads. Each service extends this with its own port and options;
 * the defaults suit local development, production overrides them through the environment.
 * The type check sits nearest each field: class-validator tries it first, so a non-number is
 * reported as "must be an integer" rather than as out of range.
 */
export class BaseServiceConfig {
  @Expose()
  @IsIn(['development', 'test', 'production'], { message: 'NODE_ENV must be one of development, test, production' })
  NODE_ENV: 'development' | 'test' | 'production' = 'development';

  @Expose()
  @Matches(/^[0-9a-zA-Z.:_-]+$/, { message: 'HOST must be an interface address such as 127.0.0.1 or 0.0.0.0' })
  @IsString()
  HOST = '127.0.0.1';

  @Expose()
  @Matches(/^amqps?:\/\/\S+$/, { message: 'AMQP_URL must be an amqp:// or amqps:// URL' })
  AMQP_URL!: string;

  /** Prefix of every exchange and queue, so several environments (or test runs) can share a broker. */
  @Expose()
  @Matches(/^[a-z][a-z0-9-]{0,30}$/, { message: 'AMQP_NAMESPACE must be lowercase letters, digits and dashes' })
  AMQP_NAMESPACE = 'wf';

  @Expose()
  @IsIn(['classic', 'quorum'], { message: 'AMQP_QUEUE_TYPE must be classic or quorum' })
  AMQP_QUEUE_TYPE: 'classic' | 'quorum' = 'classic';

  @Expose()
  @ToInt()
  @Min(1, { message: 'AMQP_PREFETCH must be at least 1' })
  @Max(1000, { message: 'AMQP_PREFETCH must be at most 1000' })
  @IsInt({ message: 'AMQP_PREFETCH must be an integer' })
  AMQP_PREFETCH = 32;

  /** Deliveries of one message before it is dead-lettered (first try included). */
  @Expose()
  @ToInt()
  @Min(1, { message: 'AMQP_MAX_ATTEMPTS must be at least 1' })
  @Max(50, { message: 'AMQP_MAX_ATTEMPTS must be at most 50' })
  @IsInt({ message: 'AMQP_MAX_ATTEMPTS must be an integer' })
  AMQP_MAX_ATTEMPTS = 5;

  /** Delay before each retry; the last delay repeats when there are more retries than entries. */
  @Expose()
  @ToIntList()
  @ArrayMinSize(1, { message: 'AMQP_RETRY_DELAYS_MS needs at least one delay' })
  @ArrayMaxSize(10, { message: 'AMQP_RETRY_DELAYS_MS takes at most 10 delays' })
  @Min(1, { each: true, message: 'AMQP_RETRY_DELAYS_MS delays must be at least 1 ms' })
  @IsArray({ message: 'AMQP_RETRY_DELAYS_MS must be a comma-separated list of milliseconds' })
  @IsInt({ each: true, message: 'AMQP_RETRY_DELAYS_MS must be a comma-separated list of milliseconds' })
  AMQP_RETRY_DELAYS_MS: number[] = [1000, 5000, 30000];

  @Expose()
  @Matches(/^mongodb(\+srv)?:\/\/\S+$/, { message: 'MONGO_URL must be a mongodb:// or mongodb+srv:// URL' })
  MONGO_URL!: string;

  @Expose()
  @IsIn(LOG_LEVELS, { message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: LogLevel = 'info';

  /** Milliseconds allowed for in-flight work to finish on SIGTERM before the process exits anyway. */
  @Expose()
  @ToInt()
  @Min(0, { message: 'SHUTDOWN_TIMEOUT_MS must be at least 0' })
  @IsInt({ message: 'SHUTDOWN_TIMEOUT_MS must be an integer' })
  SHUTDOWN_TIMEOUT_MS = 10000;
}
