import { renderOpsPage, renderSignInPage } from './ops-page';
import type { OpsSnapshot } from './ops-snapshot.service';

const snapshot: OpsSnapshot = {
  takenAt: '2026-11-22T10:00:00.000Z',
  services: [
    { service: 'workflow-api', status: 'up', url: null, detail: 'this instance', consumers: 0 },
    { service: 'workflow-processor', status: 'unreachable', url: 'http://p:3002', detail: null, consumers: 0 },
  ],
  queues: [
    {
      service: 'workflow-processor',
      name: 'wf.p',
      kind: 'work',
      deadLetterOf: null,
      exists: true,
      messageCount: 3,
      consumerCount: 0,
    },
    {
      service: 'workflow-processor',
      name: 'wf.p.retry.100ms',
      kind: 'retry',
      deadLetterOf: null,
      exists: true,
      messageCount: 0,
      consumerCount: 0,
    },
  ],
  deadLetters: [
    {
      service: 'workflow-processor',
      queues: [{ name: 'wf.p.dlq', deadLetterOf: 'wf.p', exists: true, messageCount: 2 }],
      messages: [
        {
          messageId: 'cmd_"><script>',
          queue: 'wf.p.dlq',
          deadLetterOf: 'wf.p',
          type: 'runs.start',
          organizationId: 'org_1',
          correlationId: 'c',
          reason: 'retries-exhausted',
          attempts: 5,
          error: '<img src=x onerror=alert(1)>',
          deadLetteredAt: null,
          replayTo: { exchange: 'wf.commands', routingKey: 'runs.start' },
          body: { text: '</pre><script>alert(1)</script>' },
        },
        {
          messageId: null,
          queue: 'wf.p.dlq',
          deadLetterOf: 'wf.p',
          type: null,
          organizationId: null,
          correlationId: null,
          reason: 'malformed',
          attempts: 1,
          error: null,
          deadLetteredAt: null,
          replayTo: null,
          body: 'garbage',
        },
      ],
    },
  ],
  breakers: null,
  runs: [],
  problems: ['the recent runs (workflow-processor) could not be read'],
};

describe('renderOpsPage', () => {
  const html = renderOpsPage(snapshot);

  it('never lets message content or ids become markup', () => {
    expect(html).not.toMatch(/<script>|<img/);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('cmd_%22%3E%3Cscript%3E/replay');
  });

  it('offers replay and discard only for messages with an id, and names what could not be read', () => {
    expect(html.match(/>Replay</g)).toHaveLength(1);
    expect(html).toContain('no id: purge only');
    expect(html).toContain('the recent runs (workflow-processor) could not be read');
    expect(html).toContain("The dispatcher's metrics cannot be read");
  });

  it('marks a work queue without consumers and hides empty retry queues', () => {
    expect(html).toContain('<tr class="warn" data-queue="wf.p">');
    expect(html).not.toContain('wf.p.retry.100ms');
  });

  it('loads only its own script and style', () => {
    expect(html).toContain('<script src="/ops/ops.js" defer></script>');
    expect(html.match(/<script/g)).toHaveLength(1);
  });
});

describe('renderSignInPage', () => {
  it('posts the token to /ops/session and shows a problem escaped', () => {
    const page = renderSignInPage('<b>wrong</b>');
    expect(page).toContain('action="/ops/session"');
    expect(page).toContain('&lt;b&gt;wrong&lt;/b&gt;');
  });
});
