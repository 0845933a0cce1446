import { Expose } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { BaseServiceConfig, ToInt } from '@wfp/config';

export class ProcessorConfig extends BaseServiceConfig {
  @Expose()
  @ToInt()
  @Min(0, { message: 'WORKFLOW_PROCESSOR_PORT must be between 0 and 65535' })
  @Max(65535, { message: 'WORKFLOW_PROCESSOR_PORT must be between 0 and 65535' })
  @IsInt({ message: 'WORKFLOW_PROCESSOR_PORT must be an integer' })
  WORKFLOW_PROCESSOR_PORT = 3002;
}
