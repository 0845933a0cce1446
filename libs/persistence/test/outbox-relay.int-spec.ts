import { Module, type INestApplication } from '@nestjs/common';
import { getModelToken, InjectModel, MongooseModule, Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Test } from '@nestjs/testing';
import { Schema as MongooseSchema, type Model } from 'mongoose';
import { createUncheckedEnvelope, RunStartedEvent, type MessageEnvelope } from '@wfp/contracts';
import { MessagingModule } from '@wfp/messaging';
import {
  BrokerProbe,
  deleteBrokerNamespace,
  dropDatabases,
  mongoUrlWithDatabase,
  testInfra,
  uniqueSuffix,
  waitFor,
} from '@wfp/testing';
import { OutboxRelayService, PersistenceModule, toOutboxEntry, type OutboxEntry } from '../src';

@Schema({ collection: 'things', versionKey: false, minimize: false, timestamps: true })
class Thing {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ type: [MongooseSchema.Types.Mixed], default: [] })
  outbox!: OutboxEntry[];

  updatedAt!: Date;
}
const ThingSchema = SchemaFactory.createForClass(Thing);

@Module({ imports: [MongooseModule.forFeature([{ name: Thing.name, schema: ThingSchema }])] })
class ThingsModule {
  constructor(relay: OutboxRelayService, @InjectModel(Thing.name) things: Model<Thing>) {
    relay.watch(things, { sweepIntervalMs: 100, sweepAfterMs: 500 });
  }
}

describe('OutboxRelayService against RabbitMQ and FerretDB', () => {
  const infra = testInfra();
  const suffix = uniqueSuffix();
  const namespace = `t${suffix}`;
  const database = `outbox_${suffix}`;
  const watchQueue = `${namespace}.test-watch`;
  let app: INestApplication;
  let things: Model<Thing>;
  let relay: OutboxRelayService;
  let probe: BrokerProbe;

  const event = (runId: string): MessageEnvelope =>
    createUncheckedEnvelope(RunStartedEvent, { recordId: runId }, { organizationId: 'org_t' });

  async function received(count: number): Promise<MessageEnvelope[]> {
    const messages: MessageEnvelope[] = [];
    await waitFor(
      async () => {
        const message = await probe.take(watchQueue);
        if (message) messages.push(JSON.parse(message.content.toString()));
        return messages.length >= count;
      },
      { what: `${count} published messages` },
    );
    return messages;
  }

  beforeAll(async () => {
    probe = await BrokerProbe.connect(infra.amqpUrl);
    await probe.listen(watchQueue, `${namespace}.events`, '#');
    const moduleRef = await Test.createTestingModule({
      imports: [
        MessagingModule.forRoot({
          url: infra.amqpUrl,
          namespace,
          queueType: 'classic',
          prefetch: 1,
          maxAttempts: 1,
          retryDelaysMs: [100],
          service: 'workflow-api',
        }),
        PersistenceModule.forRoot({ url: mongoUrlWithDatabase(infra.mongoUrl, database), defaultDatabase: 'x' }),
        ThingsModule,
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    things = app.get(getModelToken(Thing.name));
    relay = app.get(OutboxRelayService);
  });

  afterAll(async () => {
    await app?.close();
    await probe?.deleteQueue(watchQueue);
    await probe?.close();
    await deleteBrokerNamespace(infra.amqpUrl, namespace, [100]);
    await dropDatabases(infra.mongoUrl, [database]);
  });

  it('publishes the outbox in order, byte for byte, then empties it', async () => {
    const events = [event('run_a'), event('run_b'), event('run_c')];
    await things.create({ _id: 'thing-1', outbox: events.map((e) => toOutboxEntry('events', e)) });
    await relay.relay('things', 'thing-1');
    expect(await received(3)).toEqual(events);
    expect((await things.findById('thing-1').lean())?.outbox).toEqual([]);
  });

  it('recovers an outbox left behind by a crash (the sweeper publishes it)', async () => {
    const orphan = event('run_crashed');
    // Written but never relayed, as if the process died right after the write.
    await things.create({ _id: 'thing-2', outbox: [toOutboxEntry('events', orphan)] });
    expect(await received(1)).toEqual([orphan]);
    await waitFor(async () => (await things.findById('thing-2').lean())?.outbox.length === 0, {
      what: 'an empty outbox',
    });
  });

  it('keeps entries the broker would not route, so nothing is lost', async () => {
    const command = createUncheckedEnvelope(
      { type: 'nobody.consumes.this', schemaVersion: 1 },
      {},
      { organizationId: 'org_t' },
    );
    await things.create({ _id: 'thing-3', outbox: [toOutboxEntry('commands', command)] });
    await relay.relay('things', 'thing-3');
    const stored = await things.findById('thing-3').lean();
    expect(stored?.outbox).toEqual([toOutboxEntry('commands', command)]);
    await things.updateOne({ _id: 'thing-3' }, { $set: { outbox: [] } }); // stop the sweeper retrying it
  });
});
