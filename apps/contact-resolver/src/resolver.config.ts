import { Expose } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { BaseServiceConfig, ToInt } from '@wfp/config';

export class ResolverConfig extends BaseServiceConfig {
  @Expose()
  @ToInt()
  @Min(0, { message: 'CONTACT_RESOLVER_PORT must be between 0 and 65535' })
  @Max(65535, { message: 'CONTACT_RESOLVER_PORT must be between 0 and 65535' })
  @IsInt({ message: 'CONTACT_RESOLVER_PORT must be an integer' })
  CONTACT_RESOLVER_PORT = 3001;
}
