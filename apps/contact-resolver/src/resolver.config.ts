import { Expose } from 'class-transformer';
import { IsIn, IsInt, Max, Min } from 'class-validator';
import { getCountries } from 'libphonenumber-js';
import { BaseServiceConfig, ToInt } from '@wfp/config';

export class ResolverConfig extends BaseServiceConfig {
  @Expose()
  @ToInt()
  @Min(0, { message: 'CONTACT_RESOLVER_PORT must be between 0 and 65535' })
  @Max(65535, { message: 'CONTACT_RESOLVER_PORT must be between 0 and 65535' })
  @IsInt({ message: 'CONTACT_RESOLVER_PORT must be an integer' })
  CONTACT_RESOLVER_PORT = 3001;

  /** Region for phone numbers written without a country code (ISO 3166-1 alpha-2, e.g. GB, US). */
  @Expose()
  @IsIn(getCountries(), { message: 'DEFAULT_PHONE_REGION must be a two-letter country code such as GB or US' })
  DEFAULT_PHONE_REGION = 'GB';
}
