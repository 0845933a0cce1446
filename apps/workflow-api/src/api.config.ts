import { Expose } from 'class-transformer';
import { IsInt, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { BaseServiceConfig, ToInt } from '@wfp/config';

export class ApiConfig extends BaseServiceConfig {
  @Expose()
  @ToInt()
  @Min(0, { message: 'WORKFLOW_API_PORT must be between 0 and 65535' })
  @Max(65535, { message: 'WORKFLOW_API_PORT must be between 0 and 65535' })
  @IsInt({ message: 'WORKFLOW_API_PORT must be an integer' })
  WORKFLOW_API_PORT = 3000;

  /** Bearer token of the admin routes (creating organizations, the operations page). */
  @Expose()
  @MinLength(16, { message: 'ADMIN_TOKEN must be at least 16 characters' })
  @IsString({ message: 'ADMIN_TOKEN is required' })
  ADMIN_TOKEN!: string;

  /** Requests one API key may make per window (per gateway instance). */
  @Expose()
  @ToInt()
  @Min(1, { message: 'API_RATE_LIMIT must be at least 1' })
  @IsInt({ message: 'API_RATE_LIMIT must be an integer' })
  API_RATE_LIMIT = 6000;

  @Expose()
  @ToInt()
  @Min(100, { message: 'API_RATE_LIMIT_WINDOW_MS must be at least 100' })
  @IsInt({ message: 'API_RATE_LIMIT_WINDOW_MS must be an integer' })
  API_RATE_LIMIT_WINDOW_MS = 60_000;

  /** Shared secret (whsec_…) the messaging service signs its outcome callbacks with. */
  @Expose()
  @Matches(/^whsec_[A-Za-z0-9+/=]{32,}$/, { message: 'MESSAGING_CALLBACK_SECRET must be a whsec_… secret' })
  MESSAGING_CALLBACK_SECRET!: string;

  /** Largest accepted JSON body, in body-parser notation (e.g. 1mb, 512kb). */
  @Expose()
  @Matches(/^\d+(b|kb|mb)$/i, { message: 'API_BODY_LIMIT must look like 512kb or 2mb' })
  API_BODY_LIMIT = '2mb';

  /** Longest `?wait=` of POST /v1/workflows/:id/call, in seconds. */
  @Expose()
  @ToInt()
  @Min(1, { message: 'CALL_MAX_WAIT_SECONDS must be between 1 and 300' })
  @Max(300, { message: 'CALL_MAX_WAIT_SECONDS must be between 1 and 300' })
  @IsInt({ message: 'CALL_MAX_WAIT_SECONDS must be an integer' })
  CALL_MAX_WAIT_SECONDS = 30;

  /**
   * Where the operations page reaches the other services' HTTP ports (health, the dispatcher's
   * breakers): `name=url` pairs separated by commas. Defaults to each service's default port on
   * this host.
   */
  @Expose()
  @IsString()
  @Matches(/^(\s*[a-z-]+=https?:\/\/[^\s,]+\s*)(,\s*[a-z-]+=https?:\/\/[^\s,]+\s*)*$|^$/, {
    message: 'OPS_SERVICE_URLS must be name=http(s)://host:port pairs separated by commas',
  })
  OPS_SERVICE_URLS =
    'contact-resolver=http://127.0.0.1:3001,workflow-processor=http://127.0.0.1:3002,webhook-dispatcher=http://127.0.0.1:3003';
}
