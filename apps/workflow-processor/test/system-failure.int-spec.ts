import type { INestApplication } from '@nestjs/common';
import { MongoClient } from 'mongodb';
import { createEnvelope, RunsStartCommand, VersionsRegisterCommand } from '@wfp/contracts';
import { MessagePublisher } from '@wfp/messaging';
import {
  BrokerProbe,
  deleteBrokerNamespace,
  dropDatabases,
  mongoUrlWithDatabase,
  testInfra,
  uniqueSuffix,
  waitFor,
} from '@wfp/testing';
import { RunEngineService } from '@wfp/workflow-runs';
import { bootstrap } from '../src/bootstrap';

/**
 * The processor booted in-process (the production bootstrap) against RabbitMQ and FerretDB, with
 * its run step failing on every attempt as an infrastructure fault would: once the queue's retry
 * budget is spent the run fails with SYSTEM_FAILURE / errorClass SYSTEM instead of staying stuck.
 */
describe('workflow-processor: retry budget spent → SYSTEM_FAILURE', () => {
  const infra = testInfra();
  const suffix = uniqueSuffix();
  const namespace = `t${suffix}`;
  const database = `processor_${suffix}`;
  const retryDelaysMs = [50];
  let app: INestApplication;
  let probe: BrokerProbe;
  let mongo: MongoClient;

  beforeAll(async () => {
    probe = await BrokerProbe.connect(infra.amqpUrl);
    await probe.listen(`${namespace}.watch`, `${namespace}.events`, '#');
    mongo = await MongoClient.connect(infra.mongoUrl);
    app = await bootstrap({
      AMQP_URL: infra.amqpUrl,
      AMQP_NAMESPACE: namespace,
      AMQP_MAX_ATTEMPTS: '3',
      AMQP_RETRY_DELAYS_MS: retryDelaysMs.join(','),
      MONGO_URL: mongoUrlWithDatabase(infra.mongoUrl, database),
      MESSAGING_URL: 'http://127.0.0.1:9',
      WORKFLOW_PROCESSOR_PORT: '0',
      LOG_LEVEL: 'silent',
    });
    await waitFor(async () => (await probe.stats(`${namespace}.workflow-processor.commands`))?.consumerCount === 1, {
      what: 'the processor to consume',
    });
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    await app?.close();
    await probe?.deleteQueue(`${namespace}.watch`);
    await probe?.close();
    await mongo?.close();
    await deleteBrokerNamespace(infra.amqpUrl, namespace, retryDelaysMs);
    await dropDatabases(infra.mongoUrl, [database]);
  });

  it('fails the run with SYSTEM_FAILURE and errorClass SYSTEM after the last attempt', async () => {
    const advance = jest
      .spyOn(RunEngineService.prototype, 'advance')
      .mockRejectedValue(Object.assign(new Error('connection reset by peer'), { code: 'ECONNRESET' }));
    const publisher = app.get(MessagePublisher);
    const origin = { organizationId: 'org_sys', correlationId: 'corr-sys' };
    await publisher.publish(
      'commands',
      createEnvelope(
        VersionsRegisterCommand,
        {
          workflowId: 'wf_sys',
          workflowVersionId: 'wfv_sys',
          versionNumber: 1,
          workflowExternalId: null,
          definition: { startNodeId: 'done', nodes: [{ id: 'done', type: 'output', config: { value: 1 } }] },
        },
        origin,
      ),
    );
    const runs = mongo.db(database).collection('runs');
    const start = () =>
      publisher.publish(
        'commands',
        createEnvelope(
          RunsStartCommand,
          {
            runId: 'run_sys',
            workflowId: 'wf_sys',
            workflowVersionId: 'wfv_sys',
            versionNumber: 1,
            workflowExternalId: null,
            candidateProfileId: 'cp_sys',
            candidateProfileExternalId: null,
            triggerSource: 'API',
          },
          origin,
        ),
      );
    await waitFor(
      () =>
        mongo
          .db(database)
          .collection('workflow_versions')
          .findOne({ _id: 'wfv_sys' as never }),
      {
        what: 'the version copy',
      },
    );
    await start();

    const failed = await waitFor(() => runs.findOne({ _id: 'run_sys' as never, status: 'FAILED' }), {
      what: 'the run to fail',
    });
    expect(advance).toHaveBeenCalledTimes(3);
    expect(failed).toMatchObject({ errorCode: 'SYSTEM_FAILURE', errorClass: 'SYSTEM', lastFailedNodeId: 'done' });

    const terminal = await waitFor(
      async () => {
        for (;;) {
          const message = await probe.take(`${namespace}.watch`);
          if (!message) return undefined;
          const envelope = JSON.parse(message.content.toString());
          if (envelope.type === 'WORKFLOW_RUN_FAILED') return envelope;
        }
      },
      { what: 'WORKFLOW_RUN_FAILED' },
    );
    expect(terminal.payload).toMatchObject({
      recordId: 'run_sys',
      outcome: 'failed',
      errorCode: 'SYSTEM_FAILURE',
      errorClass: 'SYSTEM',
      lastFailedNodeId: 'done',
      truncated: false,
      nodes: [],
    });
    expect(terminal.correlationId).toBe('corr-sys');
  });
});
