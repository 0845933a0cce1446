import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestInfra } from '@wfp/test-support';

const run = promisify(execFile);
const workspaceRoot = path.resolve(__dirname, '../../..');

/**
 * A RabbitMQ and a FerretDB of their own (other ports, other data directory), started through
 * tools/infra/infra.mjs, for tests that restart them under load (the fault tests) without
 * disturbing the shared servers other test files use at the same time.
 */
export class DedicatedInfra implements TestInfra {
  private constructor(
    private readonly env: Record<string, string>,
    readonly amqpUrl: string,
    readonly mongoUrl: string,
  ) {}

  static async up(options: { dataDir: string; amqpPort: number; mongoPort: number }): Promise<DedicatedInfra> {
    const env = {
      INFRA_DATA_DIR: path.resolve(workspaceRoot, options.dataDir),
      INFRA_AMQP_PORT: String(options.amqpPort),
      INFRA_MONGO_PORT: String(options.mongoPort),
    };
    await DedicatedInfra.infra(env, 'up');
    const values = Object.fromEntries(
      readFileSync(path.join(env.INFRA_DATA_DIR, 'infra.env'), 'utf8')
        .split('\n')
        .map((line) => /^([A-Z_]+)=(.*)$/.exec(line.trim()))
        .filter((match): match is RegExpExecArray => match !== null)
        .map((match) => [match[1], match[2]]),
    );
    return new DedicatedInfra(env, values['AMQP_URL'], values['MONGO_URL']);
  }

  restartBroker(): Promise<void> {
    return DedicatedInfra.infra(this.env, 'restart-broker');
  }

  /** SIGKILL and start again, as a crash of the store would. */
  restartStore(): Promise<void> {
    return DedicatedInfra.infra(this.env, 'restart-store');
  }

  down(): Promise<void> {
    return DedicatedInfra.infra(this.env, 'down');
  }

  private static async infra(env: Record<string, string>, command: string): Promise<void> {
    // The given AMQP_URL / MONGO_URL would make `up` reuse the shared servers: leave them out.
    const { AMQP_URL: _amqp, MONGO_URL: _mongo, ...inherited } = process.env;
    await run(process.execPath, [path.join(workspaceRoot, 'tools/infra/infra.mjs'), command], {
      cwd: workspaceRoot,
      env: { ...inherited, ...env },
      timeout: 120_000,
    });
  }
}
