import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import * as amqplib from 'amqplib';
import { MongoClient } from 'mongodb';

export interface TestInfra {
  amqpUrl: string;
  mongoUrl: string;
}

const workspaceRoot = path.resolve(__dirname, '../../..');

/**
 * The real RabbitMQ and MongoDB-compatible server the tests run against: AMQP_URL / MONGO_URL when
 * set, else what `npm run infra:up` (run by `npm test`) wrote to .data/infra.env.
 */
export function testInfra(): TestInfra {
  const fromFile: Record<string, string> = {};
  const envFile = path.join(workspaceRoot, '.data/infra.env');
  if (existsSync(envFile)) {
    for (const line of readFileSync(envFile, 'utf8').split('\n')) {
      const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
      if (match) fromFile[match[1]] = match[2];
    }
  }
  const amqpUrl = process.env['AMQP_URL'] ?? fromFile['AMQP_URL'];
  const mongoUrl = process.env['MONGO_URL'] ?? fromFile['MONGO_URL'];
  if (!amqpUrl || !mongoUrl) {
    throw new Error('No test infrastructure: run `npm run infra:up` (or set AMQP_URL and MONGO_URL)');
  }
  return { amqpUrl, mongoUrl };
}

/** A short unique suffix, so concurrent test files never share queues or databases. */
export function uniqueSuffix(): string {
  return randomBytes(4).toString('hex');
}

/** MONGO_URL pointing at a fresh database of the given name. */
export function mongoUrlWithDatabase(mongoUrl: string, database: string): string {
  const url = new URL(mongoUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function dropDatabases(mongoUrl: string, databases: string[]): Promise<void> {
  const client = await MongoClient.connect(mongoUrl, { serverSelectionTimeoutMS: 5000 });
  try {
    for (const database of databases) await client.db(database).dropDatabase();
  } finally {
    await client.close();
  }
}

/** Deletes the given queues and a namespace's shared exchanges (what a test declared). */
export async function deleteBrokerObjects(
  amqpUrl: string,
  namespace: string,
  queues: readonly string[],
): Promise<void> {
  const connection = await amqplib.connect(amqpUrl, { noDelay: true });
  try {
    const channel = await connection.createChannel();
    for (const queue of queues) await channel.deleteQueue(queue);
    for (const exchange of ['commands', 'events', 'rpc', 'dlx'])
      await channel.deleteExchange(`${namespace}.${exchange}`);
    await channel.close();
  } finally {
    await connection.close();
  }
}
