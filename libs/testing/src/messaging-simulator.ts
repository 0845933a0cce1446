import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const workspaceRoot = path.resolve(__dirname, '../../..');

/** tools/messaging-simulator run as its own process, as `npm start` runs it. */
export class MessagingSimulator {
  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
  ) {}

  static start(options: { callbackUrl: string; secret: string; replyDelayMs?: number }): Promise<MessagingSimulator> {
    const child = spawn(process.execPath, [path.join(workspaceRoot, 'tools/messaging-simulator/simulator.mjs')], {
      env: {
        PATH: process.env['PATH'] ?? '',
        SIMULATOR_PORT: '0',
        MESSAGING_CALLBACK_URL: options.callbackUrl,
        MESSAGING_CALLBACK_SECRET: options.secret,
        SIMULATOR_REPLY_DELAY_MS: String(options.replyDelayMs ?? 100),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new Promise((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`messaging simulator did not start:\n${output}`)), 10_000);
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on (http:\/\/\S+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(new MessagingSimulator(match[1], child));
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`messaging simulator exited with ${code}:\n${output}`));
      });
    });
  }

  /** What the simulator knows of a conversation (status, callback attempts). */
  async conversation(conversationId: string): Promise<Record<string, unknown> | undefined> {
    const response = await fetch(`${this.url}/v1/conversations/${conversationId}`);
    return response.ok ? ((await response.json()) as Record<string, unknown>) : undefined;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}
