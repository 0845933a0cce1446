import { Expose } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsInt, Max, Min } from 'class-validator';
import { BaseServiceConfig } from './base-service.config';
import { DevelopmentOnly, ToBoolean, ToIntList } from './transforms';

/** Which loopback targets a service's outbound requests may reach (the rest is never reachable). */
export interface LoopbackAllowance {
  allowLoopback: boolean;
  loopbackPorts: readonly number[];
}

/**
 * Settings of a service that makes requests to addresses its tenants choose (webhook nodes,
 * webhook deliveries). Private and link-local addresses are never reachable; loopback only in
 * development and tests, and then only as far as asked.
 */
export class OutboundServiceConfig extends BaseServiceConfig {
  /** Development and test only: outbound requests may reach any loopback port. */
  @Expose()
  @ToBoolean()
  @IsBoolean({ message: 'ALLOW_LOOPBACK_TARGETS must be true or false' })
  @DevelopmentOnly('ALLOW_LOOPBACK_TARGETS')
  ALLOW_LOOPBACK_TARGETS = false;

  /** Development only: these loopback ports are reachable (e.g. `npm start`'s demo sink), no others. */
  @Expose()
  @ToIntList()
  @Min(1, { each: true, message: 'LOOPBACK_TARGET_PORTS must list ports between 1 and 65535' })
  @Max(65535, { each: true, message: 'LOOPBACK_TARGET_PORTS must list ports between 1 and 65535' })
  @IsInt({ each: true, message: 'LOOPBACK_TARGET_PORTS must be a comma-separated list of ports' })
  @ArrayMaxSize(20, { message: 'LOOPBACK_TARGET_PORTS takes at most 20 ports' })
  @IsArray({ message: 'LOOPBACK_TARGET_PORTS must be a comma-separated list of ports' })
  @DevelopmentOnly('LOOPBACK_TARGET_PORTS')
  LOOPBACK_TARGET_PORTS: number[] = [];
}

export function loopbackAllowanceOf(config: OutboundServiceConfig): LoopbackAllowance {
  return { allowLoopback: config.ALLOW_LOOPBACK_TARGETS, loopbackPorts: config.LOOPBACK_TARGET_PORTS };
}
