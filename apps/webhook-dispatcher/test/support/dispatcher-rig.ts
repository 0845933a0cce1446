import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { getConnectionToken, getModelToken } from '@nestjs/mongoose';
import type { CommandStartedEvent } from 'mongodb';
import type { Connection, Model } from 'mongoose';
import type { MessageEnvelope, WorkflowEventType } from '@wfp/contracts';
import { MetricsRegistryService, parsePrometheusText } from '@wfp/observability';
import { catalogueEvent, IsolatedInfra, waitFor } from '@wfp/testing';
import { DeliveryQueueEntry, Migration, PENDING_DELIVERIES_MIGRATION } from '@wfp/webhook-delivery';
import { bootstrap } from '../../src/bootstrap';

/** A local receiver whose answer the test sets; it records every request. */
export class Receiver {
  readonly requests: Array<{ path: string; webhookId: string; body: string; receivedAt: number }> = [];
  answer: (path: string) => number = () => 200;

  private readonly server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      this.requests.push({
        path,
        webhookId: String(request.headers['webhook-id']),
        body: Buffer.concat(chunks).toString('utf8'),
        receivedAt: Date.now(),
      });
      response.writeHead(this.answer(path)).end();
    });
  });

  static async start(): Promise<Receiver> {
    const receiver = new Receiver();
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  to(path: string): Array<{ webhookId: string; body: string; receivedAt: number }> {
    return this.requests.filter((request) => request.path === path);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** One command the dispatcher sent to its database. */

/** Several dispatchers on one isolated namespace and store, each consuming the events queue. */
export class DispatcherInstances {
  private constructor(
    readonly isolated: IsolatedInfra,
    readonly apps: INestApplication[],
  ) {}

  static async start(name: string, env: Record<string, string>, count = 2): Promise<DispatcherInstances> {
    const isolated = await IsolatedInfra.create(name);
    const serviceEnv = isolated.serviceEnv({ WEBHOOK_DISPATCHER_PORT: '0', ALLOW_LOOPBACK_TARGETS: 'true', ...env });
    const apps: INestApplication[] = [];
    for (let index = 0; index < count; index += 1) apps.push(await bootstrap(serviceEnv));
    await isolated.consuming('webhook-dispatcher.events', count);
    return new DispatcherInstances(isolated, apps);
  }

  async stop(): Promise<void> {
    await Promise.all(this.apps.map((app) => app.close()));
    await this.isolated.cleanup();
  }
}

/** counting-receiver.mjs in a process of its own: when each delivery arrived, by its own clock. */
export class CountingReceiver {
  private constructor(
    private readonly base: string,
    private readonly child: ChildProcess,
  ) {}

  static start(): Promise<CountingReceiver> {
    const child = spawn(process.execPath, [path.join(__dirname, 'counting-receiver.mjs')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    return new Promise((resolve, reject) => {
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on (http:\/\/\S+)/.exec(output);
        if (match) resolve(new CountingReceiver(match[1], child));
      });
      child.once('exit', (code) => reject(new Error(`counting receiver exited with ${code}`)));
    });
  }

  url(route: string): string {
    return `${this.base}${route}`;
  }

  async received(): Promise<Array<{ webhookId: string; receivedAt: number }>> {
    return (await fetch(`${this.base}/received`)).json() as Promise<Array<{ webhookId: string; receivedAt: number }>>;
  }

  stop(): void {
    this.child.kill();
  }
}

export interface StoreCommand {
  name: string;
  collection: string;
  command: Record<string, unknown>;
}

/**
 * Records every command the app sends to its database (driver command monitoring), upkeep
 * excluded, from the moment its start-up work is done (the one-time data migration included).
 */
export async function recordStoreCommands(app: INestApplication): Promise<StoreCommand[]> {
  const migrations = app.get<Model<Migration>>(getModelToken(Migration.name));
  await waitFor(() => migrations.exists({ _id: PENDING_DELIVERIES_MIGRATION }).exec(), {
    what: 'the start-up migration',
  });
  const commands: StoreCommand[] = [];
  const upkeep = new Set(['hello', 'ismaster', 'isMaster', 'ping', 'endSessions', 'saslStart', 'saslContinue']);
  app
    .get<Connection>(getConnectionToken())
    .getClient()
    .on('commandStarted', (event: CommandStartedEvent) => {
      if (upkeep.has(event.commandName)) return;
      const collection = event.command[event.commandName];
      commands.push({
        name: event.commandName,
        collection: typeof collection === 'string' ? collection : '',
        command: event.command as Record<string, unknown>,
      });
    });
  return commands;
}

/**
 * Waits until no delivery-queue entry matches `filter`. Not checked at once: a delivery sent from
 * the queue is marked SUCCEEDED before its entry is removed, and a turn queued for a delivery
 * another instance has just sent leaves an entry until it is older than the delivery lease.
 */
export async function queueDrained(
  app: INestApplication,
  filter: Record<string, unknown> = {},
  { timeoutMs = 10_000 } = {},
): Promise<void> {
  const queue = app.get<Model<DeliveryQueueEntry>>(getModelToken(DeliveryQueueEntry.name));
  let left = '';
  await waitFor(
    async () => {
      const entries = await queue.find(filter).lean().exec();
      left = JSON.stringify(entries);
      return entries.length === 0;
    },
    { what: 'the delivery queue to drain', timeoutMs, lastSeen: () => left },
  );
}

/** Event messages the app's dispatcher has acknowledged (from its own metrics). */
export async function acknowledgedEvents(app: INestApplication, isolated: IsolatedInfra): Promise<number> {
  const samples = parsePrometheusText(await app.get(MetricsRegistryService).metrics());
  return samples
    .filter(
      (sample) =>
        sample.name === 'messages_handled_total' &&
        sample.labels['queue'] === `${isolated.namespace}.webhook-dispatcher.events` &&
        sample.labels['outcome'] === 'acked',
    )
    .reduce((sum, sample) => sum + sample.value, 0);
}

let runs = 0;

/** A workflow event of the given type for the organization. */
export function workflowEvent(type: WorkflowEventType, organizationId: string): MessageEnvelope {
  runs += 1;
  // The catalogue's example of the type (the dispatcher checks every payload), as a run of its own.
  return catalogueEvent(type, organizationId, { recordId: `run_${runs}` });
}
