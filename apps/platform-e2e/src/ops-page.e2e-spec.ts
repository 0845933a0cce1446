import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import request from 'supertest';
import { BrokerProbe, Platform, TEST_ADMIN_TOKEN, waitFor } from '@wfp/testing';
import { createOrganization, parkRunsStart } from './support/fixtures';
import { HttpReceiver } from './support/http-receiver';

/** Debian's chromium (tools/test.sh installs it); playwright-core downloads no browser. */
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const SCREENSHOT = path.resolve(__dirname, '../../../.data/screenshots/ops-page.png');

/**
 * The operations page in headless Chromium: signing in with the admin token, each service's
 * health, queues, a DLQ message replayed from the page, circuit breakers, and recent runs drawn
 * over their graph; a screenshot is saved to .data/screenshots/ops-page.png.
 */
describe('operations page (headless Chromium)', () => {
  let platform: Platform;
  let probe: BrokerProbe;
  let receiver: HttpReceiver;
  let browser: Browser;
  let page: Page;
  let org: { id: string; apiKey: string };
  const user = () => ({ Authorization: `Bearer ${org.apiKey}` });
  const api = () => request(platform.apiUrl);
  let completedRunId: string;
  let failedRunId: string;
  let replayedRunId: string;
  let endpointId: string;

  async function publish(name: string, targetPath: string): Promise<{ workflowId: string; versionId: string }> {
    const definition = {
      startNodeId: 'notify',
      nodes: [
        {
          id: 'notify',
          type: 'webhook',
          label: 'Tell <HR>',
          config: { method: 'POST', url: `${receiver.url}${targetPath}`, timeoutSeconds: 2 },
          transitions: { onSuccess: 'check' },
        },
        {
          id: 'check',
          type: 'condition',
          config: { branches: [{ when: { all: [{ path: 'run.id', op: 'exists' }] }, target: 'done' }], else: 'never' },
        },
        { id: 'done', type: 'output', config: { value: { ok: true } } },
        { id: 'never', type: 'output', config: { value: { ok: false } } },
      ],
    };
    const workflow = await api().post('/v1/workflows').set(user()).send({ name, definition }).expect(201);
    const version = await api().post(`/v1/workflows/${workflow.body.id}/publish`).set(user()).expect(201);
    return { workflowId: workflow.body.id, versionId: version.body.workflowVersionId };
  }

  async function runTo(workflowId: string, candidate: string, status: string): Promise<string> {
    const started = await api()
      .post(`/v1/workflows/${workflowId}/runs`)
      .set(user())
      .send({ triggerSource: 'API', candidateProfileIds: [candidate] })
      .expect(202);
    const runId = started.body.runIds[0] as string;
    await waitFor(async () => (await api().get(`/v1/workflow-runs/${runId}`).set(user())).body.status === status, {
      timeoutMs: 20_000,
      what: `run ${runId} to be ${status}`,
    });
    return runId;
  }

  beforeAll(async () => {
    receiver = await HttpReceiver.start();
    receiver.on('/ok', () => ({ status: 200, body: { ok: true } }));
    receiver.on('/down', () => ({ status: 500 }));
    receiver.on('/events', () => ({ status: 204 }));
    platform = await Platform.start();
    probe = await BrokerProbe.connect(platform.brokerUrl);
    org = await createOrganization(platform.apiUrl, 'Ops Page Ltd');
    const endpoint = await api()
      .post('/v1/webhook-endpoints')
      .set(user())
      .send({ url: `${receiver.url}/events` })
      .expect(201);
    endpointId = endpoint.body.id;

    const good = await publish('good', '/ok');
    const bad = await publish('bad', '/down');
    completedRunId = await runTo(good.workflowId, 'cp_ops_1', 'COMPLETED');
    failedRunId = await runTo(bad.workflowId, 'cp_ops_2', 'FAILED');

    // A runs.start parked in the processor's DLQ, to be replayed from the page.
    replayedRunId = `run_opspage${Date.now()}`;
    await parkRunsStart(probe, platform.namespace, {
      organizationId: org.id,
      runId: replayedRunId,
      workflowId: good.workflowId,
      workflowVersionId: good.versionId,
    });
    await waitFor(() => receiver.requestsTo('/events').length >= 4, { timeoutMs: 15_000, what: 'deliveries' });

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await probe?.close();
    await platform?.stop();
    await receiver?.stop();
  });

  it('asks for the admin token, and refuses a wrong one', async () => {
    const first = await page.goto(`${platform.apiUrl}/ops`);
    expect(first?.status()).toBe(401);
    expect(first?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.fill('#token', 'not-the-admin-token');
    await page.click('button[type=submit]');
    await expect(page.locator('.problem').textContent()).resolves.toContain('not the admin token');

    await page.fill('#token', TEST_ADMIN_TOKEN);
    await Promise.all([page.waitForURL(`${platform.apiUrl}/ops`), page.click('button[type=submit]')]);
    await expect(page.locator('h1').textContent()).resolves.toBe('Workflow platform operations');
  });

  it("shows each service's health, its queues and the DLQ message", async () => {
    for (const service of ['workflow-api', 'contact-resolver', 'workflow-processor', 'webhook-dispatcher']) {
      await expect(page.locator(`#services tr[data-service="${service}"] .badge`).textContent()).resolves.toBe('up');
    }
    const workQueue = page.locator(`#queues tr[data-queue="${platform.namespace}.workflow-processor.commands"]`);
    await expect(workQueue.locator('td').nth(2).textContent()).resolves.toBe('work');
    const dlq = page.locator(`#queues tr[data-queue="${platform.namespace}.workflow-processor.commands.dlq"]`);
    await expect(dlq.getAttribute('class')).resolves.toBe('bad');
    await expect(
      page.locator('#dead-letters .dlq[data-service="workflow-processor"] h3').textContent(),
    ).resolves.toContain('1 message');
    await expect(page.locator('#dead-letters td', { hasText: 'retries-exhausted' }).count()).resolves.toBe(1);
  });

  it("shows the endpoint's circuit breaker and the recent runs drawn over their graph", async () => {
    const breaker = page.locator(`#breakers tr[data-endpoint-id="${endpointId}"]`);
    await expect(breaker.locator('.badge').textContent()).resolves.toBe('closed');
    await expect(breaker.textContent()).resolves.toContain('2xx');

    const completed = page.locator(`details.run[data-run-id="${completedRunId}"]`);
    await expect(completed.locator('summary .badge').first().textContent()).resolves.toBe('COMPLETED');
    await expect(completed.locator('g.node.visited').count()).resolves.toBe(3);
    await expect(completed.locator('g.node.unvisited').count()).resolves.toBe(1);
    await expect(completed.locator('path.edge.taken').count()).resolves.toBe(2);
    // User-given labels are shown as text, never as markup.
    await expect(completed.locator('g.node[data-node-id="notify"] text').first().textContent()).resolves.toBe(
      'Tell <HR>',
    );

    const failed = page.locator(`details.run[data-run-id="${failedRunId}"]`);
    await expect(failed.locator('g.node.failed').getAttribute('data-node-id')).resolves.toBe('notify');
    await expect(failed.locator('summary').textContent()).resolves.toContain('DOWNSTREAM_SERVICE_ERROR');

    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    const png = readFileSync(SCREENSHOT);
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(png.length).toBeGreaterThan(20_000);
  });

  it('replays the DLQ message from the page; the replayed command runs', async () => {
    await Promise.all([
      page.waitForEvent('load'),
      page.locator('#dead-letters button', { hasText: /^Replay$/ }).click(),
    ]);
    await expect(page.locator('#dead-letters').textContent()).resolves.toContain('Every DLQ is empty');
    await waitFor(
      async () => (await api().get(`/v1/workflow-runs/${replayedRunId}`).set(user())).body.status === 'COMPLETED',
      { timeoutMs: 15_000, what: 'the replayed run' },
    );
  });

  it('does not let the session cookie alone change anything (no X-Ops-Request), and signs out', async () => {
    const cookie = (await page.context().cookies()).find((c) => c.name === 'wfp_ops_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    const session = `wfp_ops_session=${cookie!.value}`;
    await api().get('/v1/admin/queues').set('Cookie', session).expect(200);
    await api().delete('/v1/admin/dead-letters/workflow-processor').set('Cookie', session).expect(401);
    await api()
      .delete('/v1/admin/dead-letters/workflow-processor')
      .set('Cookie', session)
      .set('X-Ops-Request', '1')
      .expect(200);

    await Promise.all([page.waitForURL(`${platform.apiUrl}/ops`), page.click('header button[type=submit]')]);
    await expect(page.locator('#token').count()).resolves.toBe(1);
  });

  it('refuses a sign-in form posted from another site, even with the right token', async () => {
    for (const headers of [{ Origin: 'https://evil.example' }, { 'Sec-Fetch-Site': 'cross-site', Origin: 'null' }]) {
      const response = await api()
        .post('/ops/session')
        .set(headers)
        .type('form')
        .send({ token: TEST_ADMIN_TOKEN })
        .expect(403);
      expect(response.headers['set-cookie']).toBeUndefined();
    }
  });

  // Last in the file: it spends this address's sign-in attempts for a minute.
  it('limits sign-in attempts per address, so the admin token cannot be guessed', async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 12; attempt += 1) {
      const response = await api()
        .post('/ops/session')
        .type('form')
        .send({ token: `wrong-${attempt}` });
      statuses.push(response.status);
    }
    // Earlier sign-ins in this file count too: refusals (401) until the limit, then 429 only.
    expect(statuses[0]).toBe(401);
    const firstLimited = statuses.indexOf(429);
    expect(firstLimited).toBeGreaterThan(0);
    expect(statuses.slice(0, firstLimited).every((status) => status === 401)).toBe(true);
    expect(statuses.slice(firstLimited).every((status) => status === 429)).toBe(true);
  });
});
