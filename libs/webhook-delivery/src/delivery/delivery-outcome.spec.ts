import { NO_PROGRESS, settleAttempt, withAttempt } from './delivery-outcome';
import type { AttemptOutcome } from './delivery-sender.service';
import { MAX_STORED_ATTEMPTS } from './webhook-delivery.schema';

const finishedAt = new Date('2026-01-01T00:00:10.000Z');
const schedule = [0, 5_000, 60_000];

function outcome(statusCode: number | null, extra: Partial<AttemptOutcome> = {}): AttemptOutcome {
  return {
    ok: statusCode !== null && statusCode >= 200 && statusCode < 300,
    statusCode,
    durationMs: 40,
    responseBody: null,
    error: statusCode === null ? 'TIMEOUT' : null,
    retryAfterMs: null,
    ...extra,
  };
}

describe('settleAttempt', () => {
  it('succeeds on 2xx with the attempt logged', () => {
    const settled = settleAttempt({
      progress: NO_PROGRESS,
      outcome: outcome(204),
      finishedAt,
      disabled: null,
      scheduleMs: schedule,
      random: 0.5,
    });
    expect(settled).toEqual({
      status: 'SUCCEEDED',
      attempted: true,
      progress: {
        attemptCount: 1,
        roundAttempts: 1,
        lastStatusCode: 204,
        attempts: [
          {
            attemptNumber: 1,
            attemptedAt: new Date('2026-01-01T00:00:09.960Z'),
            statusCode: 204,
            durationMs: 40,
            responseBody: null,
            error: null,
          },
        ],
      },
    });
  });

  it('stays pending with the next step of the schedule while retries are left', () => {
    const settled = settleAttempt({
      progress: NO_PROGRESS,
      outcome: outcome(503),
      finishedAt,
      disabled: null,
      scheduleMs: schedule,
      random: 0.5,
    });
    expect(settled).toMatchObject({
      status: 'PENDING',
      attempted: true,
      nextAttemptAt: new Date(finishedAt.getTime() + 5_000),
    });
  });

  it('fails for good once the round has spent the schedule', () => {
    const twoMade = withAttempt(withAttempt(NO_PROGRESS, outcome(500), finishedAt), outcome(500), finishedAt);
    const settled = settleAttempt({
      progress: twoMade,
      outcome: outcome(null),
      finishedAt,
      disabled: null,
      scheduleMs: schedule,
      random: 0.5,
    });
    expect(settled).toMatchObject({
      status: 'FAILED',
      reason: 'RETRIES_EXHAUSTED',
      progress: { attemptCount: 3, roundAttempts: 3, lastStatusCode: null },
    });
  });

  it('fails at once when the endpoint is disabled: GONE for 410, DISABLED otherwise', () => {
    const input = { progress: NO_PROGRESS, finishedAt, scheduleMs: schedule, random: 0.5 };
    expect(settleAttempt({ ...input, outcome: outcome(410), disabled: 'GONE' })).toMatchObject({
      status: 'FAILED',
      reason: 'ENDPOINT_GONE',
    });
    expect(settleAttempt({ ...input, outcome: outcome(500), disabled: 'FAILING' })).toMatchObject({
      status: 'FAILED',
      reason: 'ENDPOINT_DISABLED',
    });
  });

  it('starts a new round after a replay and keeps only the newest attempts', () => {
    let progress = NO_PROGRESS;
    for (let i = 0; i < MAX_STORED_ATTEMPTS + 5; i += 1) progress = withAttempt(progress, outcome(500), finishedAt);
    const replayed = { ...progress, roundAttempts: 0 };
    const settled = settleAttempt({
      progress: replayed,
      outcome: outcome(500),
      finishedAt,
      disabled: null,
      scheduleMs: schedule,
      random: 0.5,
    });
    expect(settled.status).toBe('PENDING');
    expect(settled.progress.attemptCount).toBe(MAX_STORED_ATTEMPTS + 6);
    expect(settled.progress.attempts).toHaveLength(MAX_STORED_ATTEMPTS);
    expect(settled.progress.attempts.at(-1)?.attemptNumber).toBe(MAX_STORED_ATTEMPTS + 6);
  });
});
