import { Expose } from 'class-transformer';
import { IsInt, Matches, Max, Min } from 'class-validator';
import { OutboundServiceConfig, ToInt } from '@wfp/config';

export class ProcessorConfig extends OutboundServiceConfig {
  @Expose()
  @ToInt()
  @Min(0, { message: 'WORKFLOW_PROCESSOR_PORT must be between 0 and 65535' })
  @Max(65535, { message: 'WORKFLOW_PROCESSOR_PORT must be between 0 and 65535' })
  @IsInt({ message: 'WORKFLOW_PROCESSOR_PORT must be an integer' })
  WORKFLOW_PROCESSOR_PORT = 3002;

  /** The conversation service that outreach nodes talk to (DESIGN.md section 6). */
  @Expose()
  @Matches(/^https?:\/\/\S+$/, { message: 'MESSAGING_URL must be an http:// or https:// URL' })
  MESSAGING_URL!: string;

  @Expose()
  @ToInt()
  @Min(100, { message: 'MESSAGING_TIMEOUT_MS must be at least 100' })
  @IsInt({ message: 'MESSAGING_TIMEOUT_MS must be an integer' })
  MESSAGING_TIMEOUT_MS = 5000;

  @Expose()
  @ToInt()
  @Min(0, { message: 'MESSAGING_RETRIES must be between 0 and 10' })
  @Max(10, { message: 'MESSAGING_RETRIES must be between 0 and 10' })
  @IsInt({ message: 'MESSAGING_RETRIES must be an integer' })
  MESSAGING_RETRIES = 3;

  /** First backoff between attempts of outbound calls (messaging, webhook nodes); it doubles. */
  @Expose()
  @ToInt()
  @Min(1, { message: 'OUTBOUND_RETRY_BACKOFF_MS must be at least 1' })
  @IsInt({ message: 'OUTBOUND_RETRY_BACKOFF_MS must be an integer' })
  OUTBOUND_RETRY_BACKOFF_MS = 500;

  /** Largest serialized nodes[] carried by a terminal event before it is truncated. */
  @Expose()
  @ToInt()
  @Min(1024, { message: 'RUN_EVENT_MAX_NODES_BYTES must be at least 1024' })
  @IsInt({ message: 'RUN_EVENT_MAX_NODES_BYTES must be an integer' })
  RUN_EVENT_MAX_NODES_BYTES = 200_000;

  /**
   * How long one message may work on a run before the rest is queued (a runs.resume), checked
   * between outbound calls: one organization's slow targets hold a consumer this long, plus one call.
   */
  @Expose()
  @ToInt()
  @Min(100, { message: 'RUN_MESSAGE_BUDGET_MS must be at least 100' })
  @Max(600_000, { message: 'RUN_MESSAGE_BUDGET_MS must be at most 600000' })
  @IsInt({ message: 'RUN_MESSAGE_BUDGET_MS must be an integer' })
  RUN_MESSAGE_BUDGET_MS = 10_000;

  /**
   * Run messages of one organization executing at once on one instance; more wait in the queue
   * (deferred), so the other organizations keep the rest of the prefetch. 0: half of AMQP_PREFETCH.
   */
  @Expose()
  @ToInt()
  @Min(0, { message: 'RUN_ORGANIZATION_CONCURRENCY must be at least 0' })
  @Max(1000, { message: 'RUN_ORGANIZATION_CONCURRENCY must be at most 1000' })
  @IsInt({ message: 'RUN_ORGANIZATION_CONCURRENCY must be an integer' })
  RUN_ORGANIZATION_CONCURRENCY = 0;

  @Expose()
  @ToInt()
  @Min(50, { message: 'TIMER_POLL_INTERVAL_MS must be at least 50' })
  @IsInt({ message: 'TIMER_POLL_INTERVAL_MS must be an integer' })
  TIMER_POLL_INTERVAL_MS = 5000;
}
