import type { INestApplication } from '@nestjs/common';
import { MongoClient, MongoServerError } from 'mongodb';
import { createEnvelope, RunsStartCommand, VersionsRegisterCommand } from '@wfp/contracts';
import { MessagePublisherService } from '@wfp/messaging';
import { IsolatedInfra, waitFor } from '@wfp/testing';
import { RunEngineService } from '@wfp/workflow-runs';
import { bootstrap } from '../src/bootstrap';

/**
 * The processor booted in-process (the production bootstrap) against RabbitMQ and FerretDB, with
 * its run step failing on every attempt as an infrastructure fault would: once the queue's retry
 * budget is spent the run fails with SYSTEM_FAILURE / errorClass SYSTEM instead of staying stuck.
 */
describe('workflow-processor: retry budget spent → SYSTEM_FAILURE', () => {
  let isolated: IsolatedInfra;
  let app: INestApplication;
  let mongo: MongoClient;

  beforeAll(async () => {
    isolated = await IsolatedInfra.create('processor');
    mongo = await MongoClient.connect(isolated.infra.mongoUrl);
    app = await bootstrap(isolated.serviceEnv({ MESSAGING_URL: 'http://127.0.0.1:9', WORKFLOW_PROCESSOR_PORT: '0' }));
    await isolated.consuming('workflow-processor.commands');
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    await app?.close();
    await mongo?.close();
    await isolated?.cleanup();
  });

  it('fails the run with SYSTEM_FAILURE and errorClass SYSTEM after the last attempt', async () => {
    const advance = jest
      .spyOn(RunEngineService.prototype, 'advance')
      .mockRejectedValue(Object.assign(new Error('connection reset by peer'), { code: 'ECONNRESET' }));
    const publisher = app.get(MessagePublisherService);
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
    const runs = mongo.db(isolated.database).collection('runs');
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
          .db(isolated.database)
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
      async () => (await isolated.takeEvents()).find((event) => event.type === 'WORKFLOW_RUN_FAILED'),
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

  it('fails the run at once, with errorClass DATA, when the store refuses its data (no retries)', async () => {
    jest.restoreAllMocks();
    // What FerretDB answers for a key it cannot store (MongoDB uses code 52 or 57).
    const refused = new MongoServerError({
      code: 2,
      errmsg: `invalid key: "$schema" (key must not start with '$' sign)`,
    });
    const advance = jest.spyOn(RunEngineService.prototype, 'advance').mockRejectedValue(refused);
    const publisher = app.get(MessagePublisherService);
    await publisher.publish(
      'commands',
      createEnvelope(
        RunsStartCommand,
        {
          runId: 'run_data',
          workflowId: 'wf_sys',
          workflowVersionId: 'wfv_sys',
          versionNumber: 1,
          workflowExternalId: null,
          candidateProfileId: 'cp_data',
          candidateProfileExternalId: null,
          triggerSource: 'API',
        },
        { organizationId: 'org_sys', correlationId: 'corr-data' },
      ),
    );
    const failed = await waitFor(
      () =>
        mongo
          .db(isolated.database)
          .collection('runs')
          .findOne({ _id: 'run_data' as never, status: 'FAILED' }),
      { what: 'the run to fail' },
    );
    expect(failed).toMatchObject({ errorCode: 'SYSTEM_FAILURE', errorClass: 'DATA' });
    expect(advance).toHaveBeenCalledTimes(1);
  });
});
