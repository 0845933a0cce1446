import { callResultOf, type CalledRunEnd } from './call-result';

const ended = (end: Partial<CalledRunEnd>): CalledRunEnd => ({
  status: 'COMPLETED',
  outputReached: false,
  output: null,
  errorCode: null,
  lastFailedNodeId: null,
  failedStatusCode: null,
  ...end,
});

describe('callResultOf', () => {
  it('output_reached carries the rendered output, even when it is null or falsy', () => {
    expect(callResultOf(ended({ outputReached: true, output: { ticket: 'T-1' } }))).toEqual({
      status: 'output_reached',
      output: { ticket: 'T-1' },
    });
    expect(callResultOf(ended({ outputReached: true, output: 0 }))).toEqual({ status: 'output_reached', output: 0 });
  });

  it('output_not_reached when the run ended on a branch without an output node', () => {
    expect(callResultOf(ended({}))).toEqual({ status: 'output_not_reached' });
  });

  it('user_error for a 4xx from a webhook node and for invalid configuration or inputs', () => {
    expect(
      callResultOf(
        ended({ status: 'FAILED', errorCode: 'EXECUTOR_FAILED', lastFailedNodeId: 'mail', failedStatusCode: 400 }),
      ),
    ).toEqual({ status: 'user_error', error: { code: 'EXECUTOR_FAILED', nodeId: 'mail', statusCode: 400 } });
    expect(
      callResultOf(ended({ status: 'FAILED', errorCode: 'INVALID_NODE_CONFIG', lastFailedNodeId: 'n' })).status,
    ).toBe('user_error');
    expect(callResultOf(ended({ status: 'CANCELLED' }))).toEqual({
      status: 'user_error',
      error: { code: 'CANCELLED', nodeId: null, statusCode: null },
    });
  });

  it('system_error for 5xx, timeouts and infrastructure failures', () => {
    for (const errorCode of ['DOWNSTREAM_SERVICE_ERROR', 'SYSTEM_FAILURE', 'EXECUTOR_TIMEOUT'] as const)
      expect(
        callResultOf(ended({ status: 'FAILED', errorCode, lastFailedNodeId: 'n', failedStatusCode: 503 })),
      ).toEqual({
        status: 'system_error',
        error: { code: errorCode, nodeId: 'n', statusCode: 503 },
      });
  });
});
