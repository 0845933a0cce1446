import { ContactsResolveCommand } from './contacts-resolve.command';
import { InvalidMessageError, parsePayload } from './command';
import { RunsStartCommand } from './runs-start.command';
import { VersionsRegisterCommand } from './versions-register.command';

const version = { workflowId: 'wf_1', workflowVersionId: 'wfv_1', versionNumber: 2, workflowExternalId: null };

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidMessageError) return error.problems;
    throw error;
  }
  return [];
}

describe('commands validate themselves', () => {
  it('accept a valid runs.start and keep only declared fields', () => {
    const command = parsePayload(RunsStartCommand, {
      ...version,
      runId: 'run_1',
      candidateProfileId: 'cp_1',
      candidateProfileExternalId: 'ats_1',
      triggerSource: 'API',
    });
    expect(command).toBeInstanceOf(RunsStartCommand);
    expect(command.versionNumber).toBe(2);
  });

  it('check the shared version fields on every command that carries them', () => {
    const broken = { ...version, versionNumber: 0, workflowVersionId: '' };
    const parsers = [
      () =>
        parsePayload(RunsStartCommand, {
          ...broken,
          runId: 'r',
          candidateProfileId: 'c',
          candidateProfileExternalId: null,
          triggerSource: 'API',
        }),
      () => parsePayload(VersionsRegisterCommand, { ...broken, definition: {} }),
      () =>
        parsePayload(ContactsResolveCommand, {
          ...broken,
          requestId: 'q',
          contactIndex: 0,
          triggerSource: 'API',
          candidateProfileId: 'c',
        }),
    ];
    for (const parse of parsers) {
      expect(problemsOf(parse)).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^versionNumber: /),
          expect.stringMatching(/^workflowVersionId: /),
        ]),
      );
    }
  });

  it('reject unknown fields and a non-object payload', () => {
    expect(problemsOf(() => parsePayload(VersionsRegisterCommand, { ...version, definition: {}, extra: 1 }))).toEqual([
      'extra: property extra should not exist',
    ]);
    expect(problemsOf(() => parsePayload(RunsStartCommand, 'nope'))).toEqual(['payload must be an object']);
  });

  it('need either an inline contact or a candidate profile id to resolve', () => {
    const item = { ...version, requestId: 'q', contactIndex: 0, triggerSource: 'API' };
    expect(problemsOf(() => parsePayload(ContactsResolveCommand, item)).join(' ')).toMatch(
      /contact|candidateProfileId/,
    );
    expect(problemsOf(() => parsePayload(ContactsResolveCommand, { ...item, contact: { email: 'a@b.co' } }))).toEqual(
      [],
    );
  });
});
