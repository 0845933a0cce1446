import type { MessageEnvelope } from '@wfp/contracts';
import {
  BrokerProbe,
  dropDatabases,
  mongoUrlWithDatabase,
  testInfra,
  uniqueSuffix,
  type TestInfra,
} from '@wfp/test-support';
import { deleteBrokerNamespace } from './broker-namespace';

const RETRY_DELAYS_MS = [50];

/**
 * A broker namespace and a database of their own for one test file that boots a service
 * in-process, with a queue that watches every event the namespace publishes.
 */
export class IsolatedInfra {
  readonly namespace: string;
  readonly database: string;
  private readonly watchQueue: string;

  private constructor(
    readonly infra: TestInfra,
    readonly probe: BrokerProbe,
    label: string,
  ) {
    const suffix = uniqueSuffix();
    this.namespace = `t${suffix}`;
    this.database = `${label}_${suffix}`;
    this.watchQueue = `${this.namespace}.watch`;
  }

  static async create(label: string): Promise<IsolatedInfra> {
    const infra = testInfra();
    const isolated = new IsolatedInfra(infra, await BrokerProbe.connect(infra.amqpUrl), label);
    await isolated.probe.listen(isolated.watchQueue, `${isolated.namespace}.events`, '#');
    return isolated;
  }

  /** The environment of a service under test: this namespace and database, 3 quick attempts. */
  serviceEnv(extra: Record<string, string> = {}): Record<string, string> {
    return {
      AMQP_URL: this.infra.amqpUrl,
      AMQP_NAMESPACE: this.namespace,
      AMQP_MAX_ATTEMPTS: '3',
      AMQP_RETRY_DELAYS_MS: RETRY_DELAYS_MS.join(','),
      MONGO_URL: mongoUrlWithDatabase(this.infra.mongoUrl, this.database),
      LOG_LEVEL: 'silent',
      ...extra,
    };
  }

  /** Waits until `consumers` service instances consume `<namespace>.<queue>`. */
  async consuming(queue: string, consumers = 1): Promise<void> {
    await this.probe.waitForConsumers(`${this.namespace}.${queue}`, (count) => count === consumers, {
      what: `${consumers} consumer(s) on ${queue}`,
    });
  }

  /** Every event published since the last call, in order. */
  async takeEvents(): Promise<MessageEnvelope[]> {
    const events: MessageEnvelope[] = [];
    for (
      let message = await this.probe.take(this.watchQueue);
      message;
      message = await this.probe.take(this.watchQueue)
    ) {
      events.push(JSON.parse(message.content.toString()) as MessageEnvelope);
    }
    return events;
  }

  async cleanup(): Promise<void> {
    await this.probe.deleteQueue(this.watchQueue);
    await this.probe.close();
    await deleteBrokerNamespace(this.infra.amqpUrl, this.namespace, RETRY_DELAYS_MS);
    await dropDatabases(this.infra.mongoUrl, [this.database]);
  }
}
