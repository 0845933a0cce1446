import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { cpuTicks, StopWaiting, waitFor } from '@wfp/test-support';

const workspaceRoot = path.resolve(__dirname, '../../..');

export type PlatformService = 'workflow-api' | 'workflow-processor' | 'webhook-dispatcher' | 'contact-resolver';

export const SERVICE_PORT_VARIABLE: Record<PlatformService, string> = {
  'workflow-api': 'WORKFLOW_API_PORT',
  'workflow-processor': 'WORKFLOW_PROCESSOR_PORT',
  'webhook-dispatcher': 'WEBHOOK_DISPATCHER_PORT',
  'contact-resolver': 'CONTACT_RESOLVER_PORT',
};

export function bundlePath(service: PlatformService): string {
  return path.join(workspaceRoot, 'dist/apps', service, 'main.js');
}

/** The V8 flags and environment every service runs with (tools/service-node-flags.json says why). */
function serviceNodeSettings(): { flags: string[]; env: Record<string, string> } {
  const file = path.join(workspaceRoot, 'tools/service-node-flags.json');
  return JSON.parse(readFileSync(file, 'utf8')) as { flags: string[]; env: Record<string, string> };
}

/** One service running from its production bundle (`node dist/apps/<name>/main.js`). */
export class ServiceProcess {
  private output = '';
  private exitCode: number | null | undefined;
  private readonly exited: Promise<number | null>;

  private constructor(
    readonly service: PlatformService,
    readonly port: number,
    private readonly child: ChildProcess,
    /** The environment it was started with (for a restart or a second instance). */
    readonly env: Record<string, string>,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        this.exitCode = code;
        resolve(code);
      }),
    );
  }

  /** Starts the bundle with exactly the given environment (plus PATH) and its port. */
  static start(service: PlatformService, env: Record<string, string>, port: number): ServiceProcess {
    const bundle = bundlePath(service);
    if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run \`npm run build\` first`);
    const settings = serviceNodeSettings();
    const child = spawn(process.execPath, [...settings.flags, '--enable-source-maps', bundle], {
      cwd: workspaceRoot,
      env: {
        PATH: process.env['PATH'] ?? '',
        NODE_ENV: 'test',
        ...settings.env,
        ...env,
        [SERVICE_PORT_VARIABLE[service]]: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new ServiceProcess(service, port, child, env);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get logs(): string {
    return this.output;
  }

  /**
   * Resolves once /health/ready answers 200 (broker and database reachable). A slow start on a
   * busy machine is waited for as long as the process keeps working (its CPU time or output
   * grows); the wait fails after `stallMs` without either, or when the process exits.
   */
  async ready(stallMs = 30_000): Promise<void> {
    let lastAnswer = 'no answer yet';
    await waitFor(
      async () => {
        if (this.exitCode !== undefined) {
          throw new StopWaiting(`${this.service} exited with ${this.exitCode}:\n${this.output.slice(-2000)}`);
        }
        const response = await fetch(`${this.url}/health/ready`).catch((error: unknown) => {
          lastAnswer = `GET /health/ready failed: ${String((error as Error).cause ?? error)}`;
          return null;
        });
        if (response)
          lastAnswer = `GET /health/ready answered ${response.status} ${(await response.text()).slice(0, 300)}`;
        return response?.status === 200;
      },
      {
        timeoutMs: stallMs,
        intervalMs: 100,
        what: `${this.service} to be ready`,
        progress: () => `${cpuTicks([this.child.pid])}/${this.output.length}`,
        lastSeen: () => `${lastAnswer}; its last output: ${this.output.slice(-500) || '(none)'}`,
      },
    );
  }

  /** The process id (for progress checks). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Resolves with the exit code once the process has ended. */
  waitForExit(): Promise<number | null> {
    return this.exited;
  }

  /** Kills the process at once (no graceful shutdown), as a crash would. */
  async kill(): Promise<void> {
    if (this.exitCode !== undefined) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** Sends SIGTERM and waits for the process to end (SIGKILL after the timeout). */
  async stop(timeoutMs = 15_000): Promise<number | null> {
    if (this.exitCode !== undefined) return this.exitCode;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
