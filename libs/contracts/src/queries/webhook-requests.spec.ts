import { InvalidMessageError, parsePayload } from '../commands/command';
import { ClaimsAcquireRequest, ClaimsReleaseRequest } from './run-retry';
import { WebhookEndpointsCreateRequest, WebhookEndpointsUpdateRequest } from './webhook-requests';

function problemsOf(schema: Parameters<typeof parsePayload>[0], payload: object): string[] {
  try {
    parsePayload(schema, payload);
    return [];
  } catch (error) {
    if (error instanceof InvalidMessageError) return error.problems;
    throw error;
  }
}

describe('webhook endpoint requests', () => {
  it.each([WebhookEndpointsCreateRequest, WebhookEndpointsUpdateRequest])(
    '%p applies the same url, event-type filter and description rules',
    (schema) => {
      const base = schema === WebhookEndpointsUpdateRequest ? { endpointId: 'we_1' } : {};
      expect(
        problemsOf(schema, { ...base, url: 'https://hooks.example/a', eventTypes: ['WORKFLOW_RUN_FAILED'] }),
      ).toEqual([]);
      expect(problemsOf(schema, { ...base, url: 'x'.repeat(2049) }).join()).toMatch(/url/);
      expect(problemsOf(schema, { ...base, url: 7 }).join()).toMatch(/url must be a string/);
      expect(problemsOf(schema, { ...base, url: 'https://a', eventTypes: ['NOPE'] }).join()).toMatch(/eventTypes/);
      expect(
        problemsOf(schema, {
          ...base,
          url: 'https://a',
          eventTypes: ['WORKFLOW_RUN_FAILED', 'WORKFLOW_RUN_FAILED'],
        }).join(),
      ).toMatch(/unique/);
      expect(problemsOf(schema, { ...base, url: 'https://a', eventTypes: 'WORKFLOW_RUN_FAILED' }).join()).toMatch(
        /must be an array/,
      );
      expect(problemsOf(schema, { ...base, url: 'https://a', description: 'd'.repeat(501) }).join()).toMatch(
        /description/,
      );
    },
  );

  it('create needs a url; update does not', () => {
    expect(problemsOf(WebhookEndpointsCreateRequest, {}).join()).toMatch(/url/);
    expect(problemsOf(WebhookEndpointsUpdateRequest, { endpointId: 'we_1' })).toEqual([]);
  });
});

describe('claim requests', () => {
  const claim = { workflowVersionId: 'wfv_1', candidateProfileId: 'cp_1', runId: 'run_1' };

  it('both name version, candidate and run; only acquire takes replacesRunId', () => {
    expect(problemsOf(ClaimsAcquireRequest, { ...claim, replacesRunId: 'run_0' })).toEqual([]);
    expect(problemsOf(ClaimsReleaseRequest, claim)).toEqual([]);
    expect(problemsOf(ClaimsReleaseRequest, { ...claim, replacesRunId: 'run_0' }).join()).toMatch(/replacesRunId/);
    for (const schema of [ClaimsAcquireRequest, ClaimsReleaseRequest])
      expect(problemsOf(schema, { ...claim, runId: '' }).join()).toMatch(/runId/);
  });
});
