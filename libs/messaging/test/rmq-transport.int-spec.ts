import { Injectable, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Ctx, Payload } from '@nestjs/microservices';
import * as amqplib from 'amqplib';
import {
  createEnvelope,
  createUncheckedEnvelope,
  InvalidMessageError,
  RpcError,
  RunsGetQuery,
  RunsListQuery,
  RunsResumeCommand,
  RunsStartCommand,
  VersionsRegisterCommand,
  type MessageEnvelope,
} from '@wfp/contracts';
import { BrokerProbe, deleteBrokerObjects, testInfra, uniqueSuffix, waitFor } from '@wfp/test-support';
import {
  AnswersRequest,
  ATTEMPT_HEADER,
  connectMessageConsumers,
  DEAD_LETTER_REASON_HEADER,
  HandlesMessage,
  MessageHandlers,
  MessagePublisherService,
  MessagingModule,
  AmqpConnectionService,
  RmqTransport,
  RpcClient,
  UnroutableMessageError,
  type MessageContext,
  WORK_QUEUES,
  buildServiceTopology,
  type MessagingOptions,
} from '../src';

type Behaviour = (envelope: MessageEnvelope, context: MessageContext) => Promise<void>;

@Injectable()
class Script {
  behaviour: Behaviour = async () => undefined;
  readonly calls: Array<{ id: string; attempt: number; final: boolean }> = [];
}

@MessageHandlers()
class ScriptedHandler {
  constructor(private readonly script: Script) {}

  @HandlesMessage(RunsResumeCommand, { queue: WORK_QUEUES.processorCommands })
  async handle(@Payload() envelope: MessageEnvelope, @Ctx() context: MessageContext): Promise<void> {
    this.script.calls.push({ id: envelope.id, attempt: context.attempt, final: context.isFinalAttempt });
    await this.script.behaviour(envelope, context);
  }

  @AnswersRequest(RunsGetQuery)
  async get(@Payload() envelope: MessageEnvelope<{ runId: string }>): Promise<unknown> {
    if (envelope.payload.runId === 'missing') throw new RpcError('NOT_FOUND', 'Run not found');
    if (envelope.payload.runId === 'broken') throw new Error('database exploded at 10.0.0.7');
    if (envelope.payload.runId === 'slow') await new Promise((resolve) => setTimeout(resolve, 1500));
    return { runId: envelope.payload.runId, organizationId: envelope.organizationId };
  }
}

describe('RmqTransport against RabbitMQ', () => {
  const infra = testInfra();
  const namespace = `t${uniqueSuffix()}`;
  const options: MessagingOptions = {
    url: infra.amqpUrl,
    namespace,
    queueType: 'classic',
    prefetch: 8,
    maxAttempts: 3,
    retryDelaysMs: [50, 100],
    service: 'workflow-processor',
  };
  const workQueue = `${namespace}.workflow-processor.commands`;
  let app: INestApplication;
  let script: Script;
  let publisher: MessagePublisherService;
  let probe: BrokerProbe;

  const command = (runId: string) =>
    createEnvelope(RunsResumeCommand, { runId }, { organizationId: 'org_test', correlationId: `corr-${runId}` });

  async function nextDeadLetter(): Promise<amqplib.GetMessage> {
    return waitFor(() => probe.take(`${workQueue}.dlq`), { what: 'a dead-lettered message' });
  }

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [MessagingModule.forRoot(options)],
      controllers: [ScriptedHandler],
      providers: [Script],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    connectMessageConsumers(app);
    await app.startAllMicroservices();
    await app.init();
    script = app.get(Script);
    publisher = app.get(MessagePublisherService);
    probe = await BrokerProbe.connect(infra.amqpUrl);
    await waitFor(async () => (await probe.stats(workQueue))?.consumerCount === 1, { what: 'the consumer' });
  });

  afterAll(async () => {
    await probe?.close();
    await app?.close();
    const declared = buildServiceTopology(options);
    await deleteBrokerObjects(
      infra.amqpUrl,
      namespace,
      declared.queues.map((queue) => queue.name),
    );
  });

  beforeEach(() => {
    script.calls.length = 0;
    script.behaviour = async () => undefined;
  });

  it('delivers a published command to its handler once and acks it', async () => {
    const message = command('run_ok');
    await publisher.publish('commands', message);
    await waitFor(() => script.calls.length === 1, { what: 'the handler' });
    await waitFor(async () => (await probe.stats(workQueue))?.messageCount === 0, { what: 'an empty queue' });
    expect(script.calls).toEqual([{ id: message.id, attempt: 1, final: false }]);
  });

  it('retries a failing handler through the delay queues until it succeeds', async () => {
    script.behaviour = async (_envelope, context) => {
      if (context.attempt < 3) throw new Error('database briefly unavailable');
    };
    const message = command('run_flaky');
    await publisher.publish('commands', message);
    await waitFor(() => script.calls.length === 3, { what: 'three attempts' });
    expect(script.calls.map((call) => call.attempt)).toEqual([1, 2, 3]);
    expect(script.calls[2].final).toBe(true);
    expect((await probe.stats(`${workQueue}.dlq`))?.messageCount).toBe(0);
  });

  it('dead-letters a message after the retry budget is spent, with the reason', async () => {
    script.behaviour = async () => {
      throw new Error('always broken');
    };
    const message = command('run_poison');
    await publisher.publish('commands', message);
    const dead = await nextDeadLetter();
    expect(script.calls.map((call) => call.attempt)).toEqual([1, 2, 3]);
    expect(JSON.parse(dead.content.toString())).toEqual(message);
    expect(dead.properties.messageId).toBe(message.id);
    expect(dead.properties.headers?.[DEAD_LETTER_REASON_HEADER]).toBe('retries-exhausted');
    expect(dead.properties.headers?.[ATTEMPT_HEADER]).toBe(3);
    expect(String(dead.properties.headers?.['x-error'])).toContain('always broken');
  });

  it('dead-letters an invalid payload at once instead of retrying it', async () => {
    script.behaviour = async () => {
      throw new InvalidMessageError(RunsResumeCommand.type, ['runId: must be a string']);
    };
    await publisher.publish('commands', command('run_invalid'));
    const dead = await nextDeadLetter();
    expect(script.calls).toHaveLength(1);
    expect(dead.properties.headers?.[DEAD_LETTER_REASON_HEADER]).toBe('invalid-payload');
  });

  it('dead-letters a payload its definition refuses before the handler sees it, with the reason', async () => {
    await publisher.publish(
      'commands',
      createUncheckedEnvelope(RunsResumeCommand, { runId: 7 }, { organizationId: 'org_test' }),
    );
    const dead = await nextDeadLetter();
    expect(script.calls).toHaveLength(0);
    expect(dead.properties.headers?.[DEAD_LETTER_REASON_HEADER]).toBe('invalid-payload');
    expect(String(dead.properties.headers?.['x-error'])).toContain('runId');
  });

  it('binds its work queue to exactly what its handlers declare', async () => {
    // runs.start has no handler in this module: nothing binds it, so it is refused at publish.
    await expect(
      publisher.publish('commands', createUncheckedEnvelope(RunsStartCommand, {}, { organizationId: 'org_test' })),
    ).rejects.toBeInstanceOf(UnroutableMessageError);
  });

  it('dead-letters bytes that are not an envelope without calling any handler', async () => {
    await probe.publishRaw(`${namespace}.commands`, RunsResumeCommand.type, Buffer.from('{not json'));
    const dead = await nextDeadLetter();
    expect(script.calls).toHaveLength(0);
    expect(dead.properties.headers?.[DEAD_LETTER_REASON_HEADER]).toBe('malformed');
  });

  it('dead-letters a message type the service has no handler for', async () => {
    // Put straight into the work queue (as a binding left by an older release would route it).
    const message = createUncheckedEnvelope(VersionsRegisterCommand, {}, { organizationId: 'org_test' });
    await probe.publishRaw('', workQueue, Buffer.from(JSON.stringify(message)));
    const dead = await nextDeadLetter();
    expect(dead.properties.headers?.[DEAD_LETTER_REASON_HEADER]).toBe('no-handler');
  });

  it('reports a message that no queue would receive instead of dropping it silently', async () => {
    const orphan = createUncheckedEnvelope(
      { type: 'nobody.listens', schemaVersion: 1 },
      {},
      { organizationId: 'org_test' },
    );
    await expect(publisher.publish('commands', orphan)).rejects.toBeInstanceOf(UnroutableMessageError);
  });

  describe('request/reply', () => {
    const origin = { organizationId: 'org_rpc' };

    it('answers a request with the handler result', async () => {
      const rpc = app.get(RpcClient);
      await expect(rpc.request(RunsGetQuery.type, { runId: 'run_1' }, origin)).resolves.toEqual({
        runId: 'run_1',
        organizationId: 'org_rpc',
      });
    });

    it('passes expected refusals through as their code, and hides unexpected failures', async () => {
      const rpc = app.get(RpcClient);
      await expect(rpc.request(RunsGetQuery.type, { runId: 'missing' }, origin)).rejects.toMatchObject({
        code: 'NOT_FOUND',
        message: 'Run not found',
      });
      const failure = rpc.request(RunsGetQuery.type, { runId: 'broken' }, origin);
      await expect(failure).rejects.toMatchObject({ code: 'INTERNAL', message: 'the request failed' });
      await expect(failure).rejects.not.toMatchObject({ message: expect.stringContaining('10.0.0.7') });
    });

    it('fails fast with UNAVAILABLE when no service answers that request type', async () => {
      const rpc = app.get(RpcClient);
      const started = Date.now();
      await expect(rpc.request('nobody.answers', {}, origin, 5000)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      expect(Date.now() - started).toBeLessThan(2000);
    });

    it('fails with UNAVAILABLE after the timeout instead of hanging', async () => {
      const rpc = app.get(RpcClient);
      await expect(rpc.request(RunsGetQuery.type, { runId: 'slow' }, origin, 300)).rejects.toMatchObject({
        code: 'UNAVAILABLE',
      });
    });

    it('binds only the requests its handlers answer: another type reaches no one', async () => {
      // runs.list is the processor's, but no handler of this module answers it: nothing binds it.
      const rpc = app.get(RpcClient);
      await expect(rpc.request(RunsListQuery.type, { limit: 1 }, origin, 500)).rejects.toMatchObject({
        code: 'UNAVAILABLE',
      });
    });
  });

  it('hands a consumer no more unacknowledged messages than its prefetch', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    script.behaviour = () => gate;
    const sent = options.prefetch + 4;
    try {
      for (let index = 0; index < sent; index += 1) await publisher.publish('commands', command(`run_p${index}`));
      await waitFor(() => script.calls.length >= options.prefetch, { what: `${options.prefetch} handlers to start` });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(script.calls).toHaveLength(options.prefetch);
    } finally {
      release();
    }
    await waitFor(() => script.calls.length === sent, { what: 'the rest, once those were acked' });
  });

  it('lets an in-flight handler finish and ack before the transport closes', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    script.behaviour = () => gate;
    await publisher.publish('commands', command('run_slow'));
    await waitFor(() => script.calls.length === 1, { what: 'the slow handler to start' });
    const closing = app.close();
    setTimeout(release, 100);
    await closing;
    // The message was acked before the channel closed, so nothing is left for redelivery.
    expect(script.calls).toHaveLength(1);
    expect((await probe.stats(workQueue))?.messageCount).toBe(0);
    app = undefined as unknown as INestApplication;
  });

  it('closes cleanly while its consumers are being attached: nothing is left unhandled', async () => {
    // A close (a shutdown just after a start, or a channel the broker closes) that comes while a
    // consumer is being attached rejects whatever the channel still awaits. A rejection nobody
    // handles ends a Node process, and fails this test: Jest fails a test on one. (A prefetch per
    // consumer did that: amqp-connection-manager sends it without awaiting its answer.)
    const moduleRef = await Test.createTestingModule({
      imports: [MessagingModule.forRoot(options)],
      controllers: [ScriptedHandler],
      providers: [Script],
    }).compile();
    const starting = moduleRef.createNestApplication({ logger: false });
    const transport = new RmqTransport(starting.get(AmqpConnectionService), options);
    starting.connectMicroservice({ strategy: transport }, { inheritAppConfig: false });
    // amqplib's channel class (not exported by name), whose consume every channel uses.
    const connection = await amqplib.connect(infra.amqpUrl);
    const channelClass = Object.getPrototypeOf(await connection.createChannel()) as amqplib.Channel;
    await connection.close();
    const closedWhileAttaching = new Promise<void>((resolve, reject) => {
      const consume = jest.spyOn(channelClass, 'consume').mockImplementation(function (
        this: amqplib.Channel,
        ...args: Parameters<amqplib.Channel['consume']>
      ) {
        consume.mockRestore();
        const attaching = this.consume(...args);
        transport.close().then(resolve, reject);
        return attaching;
      });
    });
    await starting.startAllMicroservices();
    await closedWhileAttaching;
    expect(transport.unwrap()).toBeNull();
    await starting.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
  });
});
