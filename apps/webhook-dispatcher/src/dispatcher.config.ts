import { Expose } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { BaseServiceConfig, ToInt } from '@wfp/config';

export class DispatcherConfig extends BaseServiceConfig {
  @Expose()
  @ToInt()
  @Min(0, { message: 'WEBHOOK_DISPATCHER_PORT must be between 0 and 65535' })
  @Max(65535, { message: 'WEBHOOK_DISPATCHER_PORT must be between 0 and 65535' })
  @IsInt({ message: 'WEBHOOK_DISPATCHER_PORT must be an integer' })
  WEBHOOK_DISPATCHER_PORT = 3003;
}
