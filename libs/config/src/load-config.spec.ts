import { Expose } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { BaseServiceConfig } from './base-service.config';
import { loopbackAllowanceOf, OutboundServiceConfig } from './outbound-service.config';
import { ConfigValidationError, loadConfig } from './load-config';
import { DevelopmentOnly, ToBoolean, ToDurationListMs, ToInt } from './transforms';

class ExampleConfig extends BaseServiceConfig {
  @Expose()
  @ToInt()
  @Min(0, { message: 'EXAMPLE_PORT must be between 0 and 65535' })
  @Max(65535, { message: 'EXAMPLE_PORT must be between 0 and 65535' })
  @IsInt({ message: 'EXAMPLE_PORT must be an integer' })
  EXAMPLE_PORT = 4000;
}

const required = { AMQP_URL: 'amqp://127.0.0.1:5672', MONGO_URL: 'mongodb://127.0.0.1:27017/example' };

class RelaxedConfig extends BaseServiceConfig {
  @Expose()
  @ToBoolean()
  @DevelopmentOnly('RELAXED')
  RELAXED = false;
}

function problemsOf(
  env: Record<string, string | undefined>,
  schema: typeof BaseServiceConfig = ExampleConfig,
): string[] {
  try {
    loadConfig(schema, env);
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems;
    throw error;
  }
  return [];
}

class ScheduleConfig extends BaseServiceConfig {
  @Expose()
  @ToDurationListMs()
  @IsInt({ each: true, message: 'SCHEDULE must be a comma-separated list of durations' })
  SCHEDULE: number[] = [0];
}

describe('ToDurationListMs', () => {
  it('reads ms, s, m and h, and bare numbers as milliseconds', () => {
    const config = loadConfig(ScheduleConfig, { ...required, SCHEDULE: '0, 250ms,5s,5m,2h,1500' });
    expect(config.SCHEDULE).toEqual([0, 250, 5000, 300_000, 7_200_000, 1500]);
  });

  it('leaves anything else for validation to name', () => {
    expect(() => loadConfig(ScheduleConfig, { ...required, SCHEDULE: '5s,soon' })).toThrow(
      /SCHEDULE must be a comma-separated list of durations/,
    );
  });
});

describe('loadConfig', () => {
  it('applies defaults and converts types', () => {
    const config = loadConfig(ExampleConfig, { ...required, EXAMPLE_PORT: '4100', AMQP_RETRY_DELAYS_MS: '10, 20' });
    expect(config).toBeInstanceOf(ExampleConfig);
    expect(config.EXAMPLE_PORT).toBe(4100);
    expect(config.AMQP_RETRY_DELAYS_MS).toEqual([10, 20]);
    expect(config.AMQP_NAMESPACE).toBe('wf');
    expect(config.AMQP_QUEUE_TYPE).toBe('classic');
    expect(config.HOST).toBe('127.0.0.1');
  });

  it('names every missing required variable', () => {
    const problems = problemsOf({});
    expect(problems).toEqual(
      expect.arrayContaining([expect.stringContaining('AMQP_URL'), expect.stringContaining('MONGO_URL')]),
    );
  });

  it('names the bad variable without echoing its value', () => {
    const problems = problemsOf({ ...required, EXAMPLE_PORT: 'eighty', AMQP_URL: 'http://secret@host' });
    expect(problems).toEqual(['AMQP_URL must be an amqp:// or amqps:// URL', 'EXAMPLE_PORT must be an integer']);
    expect(problems.join(' ')).not.toContain('secret');
  });

  it('treats an empty variable as unset so the default applies', () => {
    expect(loadConfig(ExampleConfig, { ...required, EXAMPLE_PORT: '' }).EXAMPLE_PORT).toBe(4000);
  });

  it('rejects values outside an enumerated set', () => {
    expect(problemsOf({ ...required, AMQP_QUEUE_TYPE: 'stream' })).toEqual([
      'AMQP_QUEUE_TYPE must be classic or quorum',
    ]);
  });

  it('refuses a development-only switch in production, and allows it elsewhere', () => {
    expect(problemsOf({ ...required, NODE_ENV: 'production', RELAXED: 'true' }, RelaxedConfig)).toEqual([
      'RELAXED cannot be true when NODE_ENV is production',
    ]);
    expect(problemsOf({ ...required, NODE_ENV: 'production', RELAXED: 'false' }, RelaxedConfig)).toEqual([]);
    expect(problemsOf({ ...required, NODE_ENV: 'development', RELAXED: 'true' }, RelaxedConfig)).toEqual([]);
  });

  it('reads the loopback exceptions of an outbound service, and refuses them in production', () => {
    const config = loadConfig(OutboundServiceConfig, { ...required, LOOPBACK_TARGET_PORTS: '3200, 3300' });
    expect(loopbackAllowanceOf(config)).toEqual({ allowLoopback: false, loopbackPorts: [3200, 3300] });
    expect(loopbackAllowanceOf(loadConfig(OutboundServiceConfig, { ...required, LOOPBACK_TARGET_PORTS: '' }))).toEqual({
      allowLoopback: false,
      loopbackPorts: [],
    });
    expect(problemsOf({ ...required, LOOPBACK_TARGET_PORTS: '80,x' }, OutboundServiceConfig)).toEqual([
      'LOOPBACK_TARGET_PORTS must be a comma-separated list of ports',
    ]);
    expect(problemsOf({ ...required, LOOPBACK_TARGET_PORTS: '70000' }, OutboundServiceConfig)).toEqual([
      'LOOPBACK_TARGET_PORTS must list ports between 1 and 65535',
    ]);
    expect(
      problemsOf({ ...required, NODE_ENV: 'production', LOOPBACK_TARGET_PORTS: '3200' }, OutboundServiceConfig),
    ).toEqual(['LOOPBACK_TARGET_PORTS must be empty when NODE_ENV is production']);
    expect(
      problemsOf({ ...required, NODE_ENV: 'production', LOOPBACK_TARGET_PORTS: '' }, OutboundServiceConfig),
    ).toEqual([]);
  });

  it('ignores variables the schema does not declare', () => {
    const config = loadConfig(ExampleConfig, { ...required, PATH: '/usr/bin' }) as unknown as Record<string, unknown>;
    expect(config['PATH']).toBeUndefined();
  });
});
