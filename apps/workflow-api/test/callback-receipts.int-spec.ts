import type { INestApplication } from '@nestjs/common';
import { CallbackReceiptsService } from '@wfp/api-access';
import { IsolatedInfra, TEST_ADMIN_TOKEN, TEST_MESSAGING_SECRET } from '@wfp/testing';
import { bootstrap } from '../src/bootstrap';

/** Signed callbacks act once per webhook-id, across instances, against the real store. */
describe('workflow-api: callback receipts', () => {
  let isolated: IsolatedInfra;
  let gateways: INestApplication[];

  beforeAll(async () => {
    isolated = await IsolatedInfra.create('callback_receipts');
    const env = isolated.serviceEnv({
      WORKFLOW_API_PORT: '0',
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      MESSAGING_CALLBACK_SECRET: TEST_MESSAGING_SECRET,
    });
    gateways = [await bootstrap(env), await bootstrap(env)];
  });

  afterAll(async () => {
    await Promise.all((gateways ?? []).map((gateway) => gateway.close()));
    await isolated?.cleanup();
  });

  const receipts = (instance: number) => gateways[instance].get(CallbackReceiptsService);

  it('runs the work of one of several concurrent callbacks with the same id, on any instance', async () => {
    let runs = 0;
    const work = async () => {
      runs += 1;
      return 'applied';
    };
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, index) => receipts(index % 2).once('messaging', 'msg_same', work)),
    );
    expect(runs).toBe(1);
    expect(answers.filter((answer) => answer === 'applied')).toHaveLength(1);
    expect(answers.filter((answer) => answer === 'seen')).toHaveLength(7);
  });

  it('gives the claim back when the work fails, so the sender’s retry is acted on', async () => {
    await expect(
      receipts(0).once('messaging', 'msg_retry', () => Promise.reject(new Error('processor not answering'))),
    ).rejects.toThrow('processor not answering');
    await expect(receipts(1).once('messaging', 'msg_retry', async () => 'applied')).resolves.toBe('applied');
    await expect(receipts(0).once('messaging', 'msg_retry', async () => 'applied')).resolves.toBe('seen');
  });

  it('keeps senders apart', async () => {
    await expect(receipts(0).once('messaging', 'msg_shared', async () => 1)).resolves.toBe(1);
    await expect(receipts(0).once('other-sender', 'msg_shared', async () => 2)).resolves.toBe(2);
  });
});
