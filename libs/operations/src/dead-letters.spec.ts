import { describeDeadLetter, replayHeaders, replayRouteOf } from './dead-letters';

const dlq = {
  name: 'wf.workflow-processor.commands.dlq',
  kind: 'dlq' as const,
  deadLetterOf: 'wf.workflow-processor.commands',
};
const parking = { name: 'wf.webhook-dispatcher.deliveries.dlq', kind: 'dlq' as const, deadLetterOf: null };
const envelope = {
  id: 'cmd_1',
  type: 'runs.start',
  organizationId: 'org_1',
  correlationId: 'corr-1',
  payload: { runId: 'run_1' },
};
const transportHeaders = {
  'x-dead-letter-reason': 'retries-exhausted',
  'x-attempt': 5,
  'x-error': 'Error: store unavailable',
  'x-dead-lettered-at': '2026-11-22T10:00:00.000Z',
  'x-original-exchange': 'wf.commands',
  'x-original-routing-key': 'runs.start',
  'x-custom': 'kept',
};

describe('describeDeadLetter', () => {
  it('reads the envelope and the reason, attempts, error and origin the transport recorded', () => {
    expect(
      describeDeadLetter(dlq, {
        content: Buffer.from(JSON.stringify(envelope)),
        messageId: 'cmd_1',
        headers: transportHeaders,
      }),
    ).toEqual({
      messageId: 'cmd_1',
      queue: dlq.name,
      deadLetterOf: dlq.deadLetterOf,
      type: 'runs.start',
      organizationId: 'org_1',
      correlationId: 'corr-1',
      reason: 'retries-exhausted',
      attempts: 5,
      error: 'Error: store unavailable',
      deadLetteredAt: '2026-11-22T10:00:00.000Z',
      replayTo: { exchange: 'wf.commands', routingKey: 'runs.start' },
      body: envelope,
    });
  });

  it('shows a body that is not JSON as text, with no id or type', () => {
    const view = describeDeadLetter(dlq, {
      content: Buffer.from('not an envelope'),
      headers: { ...transportHeaders, 'x-dead-letter-reason': 'malformed' },
    });
    expect(view).toMatchObject({ messageId: null, type: null, reason: 'malformed', body: 'not an envelope' });
  });

  it('offers no replay route for a parking queue notice (replaying it means replaying the delivery)', () => {
    expect(describeDeadLetter(parking, { content: Buffer.from('{}'), headers: transportHeaders }).replayTo).toBeNull();
  });
});

describe('replayRouteOf', () => {
  it("falls back to the broker's x-death record, oldest death first published", () => {
    const headers = {
      'x-death': [
        { queue: 'wf.q.retry.1000ms', reason: 'expired', exchange: '', 'routing-keys': ['wf.q.retry.1000ms'] },
        { queue: 'wf.q', reason: 'rejected', exchange: 'wf.events', 'routing-keys': ['WORKFLOW_RUN_COMPLETED'] },
      ],
    };
    expect(replayRouteOf(headers)).toEqual({ exchange: 'wf.events', routingKey: 'WORKFLOW_RUN_COMPLETED' });
  });

  it('is null when nothing says where the message came from', () => {
    expect(replayRouteOf({})).toBeNull();
    expect(replayRouteOf({ 'x-death': [] })).toBeNull();
  });

  it('reads header values the broker hands back as bytes', () => {
    expect(
      replayRouteOf({ 'x-original-exchange': Buffer.from(''), 'x-original-routing-key': Buffer.from('wf.q') }),
    ).toEqual({ exchange: '', routingKey: 'wf.q' });
  });
});

describe('replayHeaders', () => {
  it('drops what the dead-lettering added (a fresh retry budget) and keeps the rest', () => {
    const at = new Date('2026-11-22T11:00:00.000Z');
    expect(replayHeaders({ ...transportHeaders, 'x-death': [{}] }, at)).toEqual({
      'x-custom': 'kept',
      'x-replayed-at': '2026-11-22T11:00:00.000Z',
    });
  });
});
