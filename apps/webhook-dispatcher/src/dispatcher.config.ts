import { Expose } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, Max, Min } from 'class-validator';
import { loopbackAllowanceOf, OutboundServiceConfig, ToDurationListMs, ToInt } from '@wfp/config';
import { DEFAULT_RETRY_SCHEDULE_MS, type DeliveryOptions } from '@wfp/webhook-delivery';

export class DispatcherConfig extends OutboundServiceConfig {
  /**
   * A delivery's message waits on HTTP and on the store write it shares with the messages handled
   * beside it (group commit), hardly on CPU: many messages in flight keep the endpoint slots busy
   * while one write stores a whole batch.
   */
  override AMQP_PREFETCH = 256;

  @Expose()
  @ToInt()
  @Min(0, { message: 'WEBHOOK_DISPATCHER_PORT must be between 0 and 65535' })
  @Max(65535, { message: 'WEBHOOK_DISPATCHER_PORT must be between 0 and 65535' })
  @IsInt({ message: 'WEBHOOK_DISPATCHER_PORT must be an integer' })
  WEBHOOK_DISPATCHER_PORT = 3003;

  /** Delay before each attempt (`0,5s,5m,30m,2h`; a bare number is milliseconds). */
  @Expose()
  @ToDurationListMs()
  @ArrayMinSize(1, { message: 'WEBHOOK_RETRY_SCHEDULE needs at least one entry' })
  @ArrayMaxSize(30, { message: 'WEBHOOK_RETRY_SCHEDULE takes at most 30 entries' })
  @IsArray({ message: 'WEBHOOK_RETRY_SCHEDULE must be a comma-separated list of durations such as 0,5s,5m,2h' })
  @IsInt({
    each: true,
    message: 'WEBHOOK_RETRY_SCHEDULE must be a comma-separated list of durations such as 0,5s,5m,2h',
  })
  WEBHOOK_RETRY_SCHEDULE: number[] = [...DEFAULT_RETRY_SCHEDULE_MS];

  @Expose()
  @ToInt()
  @Min(100, { message: 'WEBHOOK_TIMEOUT_MS must be between 100 and 60000' })
  @Max(60_000, { message: 'WEBHOOK_TIMEOUT_MS must be between 100 and 60000' })
  @IsInt({ message: 'WEBHOOK_TIMEOUT_MS must be an integer' })
  WEBHOOK_TIMEOUT_MS = 10_000;

  @Expose()
  @ToInt()
  @Min(50, { message: 'WEBHOOK_POLL_INTERVAL_MS must be at least 50' })
  @IsInt({ message: 'WEBHOOK_POLL_INTERVAL_MS must be an integer' })
  WEBHOOK_POLL_INTERVAL_MS = 1000;

  @Expose()
  @ToInt()
  @Min(1, { message: 'WEBHOOK_ENDPOINT_CONCURRENCY must be between 1 and 100' })
  @Max(100, { message: 'WEBHOOK_ENDPOINT_CONCURRENCY must be between 1 and 100' })
  @IsInt({ message: 'WEBHOOK_ENDPOINT_CONCURRENCY must be an integer' })
  WEBHOOK_ENDPOINT_CONCURRENCY = 8;

  /** A delivery waits in memory for a busy endpoint only while the expected wait is this short. */
  @Expose()
  @ToInt()
  @Min(0, { message: 'WEBHOOK_ENDPOINT_MAX_WAIT_MS must be between 0 and 60000' })
  @Max(60_000, { message: 'WEBHOOK_ENDPOINT_MAX_WAIT_MS must be between 0 and 60000' })
  @IsInt({ message: 'WEBHOOK_ENDPOINT_MAX_WAIT_MS must be an integer' })
  WEBHOOK_ENDPOINT_MAX_WAIT_MS = 1000;

  /**
   * Ordered endpoints: how long a delivery waits for a missing earlier event of its run. Longer
   * than the broker's retries can hold an event back (AMQP_RETRY_DELAYS_MS).
   */
  @Expose()
  @ToInt()
  @Min(0, { message: 'WEBHOOK_ORDER_GAP_WAIT_MS must be between 0 and 86400000' })
  @Max(86_400_000, { message: 'WEBHOOK_ORDER_GAP_WAIT_MS must be between 0 and 86400000' })
  @IsInt({ message: 'WEBHOOK_ORDER_GAP_WAIT_MS must be an integer' })
  WEBHOOK_ORDER_GAP_WAIT_MS = 120_000;

  @Expose()
  @ToInt()
  @Min(1, { message: 'WEBHOOK_MAX_CONCURRENCY must be between 1 and 5000' })
  @Max(5000, { message: 'WEBHOOK_MAX_CONCURRENCY must be between 1 and 5000' })
  @IsInt({ message: 'WEBHOOK_MAX_CONCURRENCY must be an integer' })
  WEBHOOK_MAX_CONCURRENCY = 512;

  /** An endpoint failing without a success for this long is disabled (default 5 days). */
  @Expose()
  @ToInt()
  @Min(1000, { message: 'WEBHOOK_DISABLE_AFTER_MS must be at least 1000' })
  @IsInt({ message: 'WEBHOOK_DISABLE_AFTER_MS must be an integer' })
  WEBHOOK_DISABLE_AFTER_MS = 5 * 24 * 3_600_000;

  @Expose()
  @ToInt()
  @Min(1, { message: 'WEBHOOK_BREAKER_ERROR_PERCENT must be between 1 and 100' })
  @Max(100, { message: 'WEBHOOK_BREAKER_ERROR_PERCENT must be between 1 and 100' })
  @IsInt({ message: 'WEBHOOK_BREAKER_ERROR_PERCENT must be an integer' })
  WEBHOOK_BREAKER_ERROR_PERCENT = 50;

  @Expose()
  @ToInt()
  @Min(1, { message: 'WEBHOOK_BREAKER_MIN_REQUESTS must be at least 1' })
  @IsInt({ message: 'WEBHOOK_BREAKER_MIN_REQUESTS must be an integer' })
  WEBHOOK_BREAKER_MIN_REQUESTS = 5;

  @Expose()
  @ToInt()
  @Min(1000, { message: 'WEBHOOK_BREAKER_WINDOW_MS must be at least 1000' })
  @IsInt({ message: 'WEBHOOK_BREAKER_WINDOW_MS must be an integer' })
  WEBHOOK_BREAKER_WINDOW_MS = 60_000;

  @Expose()
  @ToInt()
  @Min(100, { message: 'WEBHOOK_BREAKER_RESET_MS must be at least 100' })
  @IsInt({ message: 'WEBHOOK_BREAKER_RESET_MS must be an integer' })
  WEBHOOK_BREAKER_RESET_MS = 30_000;

  /** How long an organization's endpoints stay in memory (changes reach every instance at once anyway). */
  @Expose()
  @ToInt()
  @Min(1000, { message: 'WEBHOOK_ENDPOINT_CACHE_MS must be at least 1000' })
  @IsInt({ message: 'WEBHOOK_ENDPOINT_CACHE_MS must be an integer' })
  WEBHOOK_ENDPOINT_CACHE_MS = 30_000;
}

export function deliveryOptionsFrom(config: DispatcherConfig): DeliveryOptions {
  return {
    retryScheduleMs: config.WEBHOOK_RETRY_SCHEDULE,
    requestTimeoutMs: config.WEBHOOK_TIMEOUT_MS,
    pollIntervalMs: config.WEBHOOK_POLL_INTERVAL_MS,
    endpointConcurrency: config.WEBHOOK_ENDPOINT_CONCURRENCY,
    endpointMaxWaitMs: config.WEBHOOK_ENDPOINT_MAX_WAIT_MS,
    orderGapWaitMs: config.WEBHOOK_ORDER_GAP_WAIT_MS,
    maxConcurrency: config.WEBHOOK_MAX_CONCURRENCY,
    disableAfterMs: config.WEBHOOK_DISABLE_AFTER_MS,
    endpointCacheMs: config.WEBHOOK_ENDPOINT_CACHE_MS,
    addressPolicy: loopbackAllowanceOf(config),
    breaker: {
      errorThresholdPercentage: config.WEBHOOK_BREAKER_ERROR_PERCENT,
      volumeThreshold: config.WEBHOOK_BREAKER_MIN_REQUESTS,
      rollingWindowMs: config.WEBHOOK_BREAKER_WINDOW_MS,
      resetTimeoutMs: config.WEBHOOK_BREAKER_RESET_MS,
    },
  };
}
