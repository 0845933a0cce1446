import { createUncheckedEnvelope, type MessageEnvelope } from '@wfp/contracts';
import type { RunMessage } from './engine/run-transition';
import { placeInCandidateOrder } from './run.repository';

const origin = { organizationId: 'org_1' };
const message = (kind: RunMessage['kind'], type: string): RunMessage => ({
  kind,
  envelope: createUncheckedEnvelope({ type, schemaVersion: 1 }, {}, origin),
});
const orderOf = (envelope: MessageEnvelope) => envelope.order;

describe('placeInCandidateOrder', () => {
  it('gives each event of a run its place after the run’s earlier events, and records it on the run', () => {
    const run = { _id: 'run_1', candidateProfileId: 'cp_1', emitted: ['WORKFLOW_CONTACT_RESOLVED'] };
    const first = [message('events', 'WORKFLOW_RUN_STARTED')];
    placeInCandidateOrder(run, first);
    const next = [
      message('events', 'WORKFLOW_NODE_COMPLETED'),
      message('commands', 'runs.resume'),
      message('events', 'WORKFLOW_CALL_RESULT'),
      message('events', 'WORKFLOW_RUN_COMPLETED'),
    ];
    placeInCandidateOrder(run, next);
    expect([...first, ...next].map((entry) => orderOf(entry.envelope))).toEqual([
      { candidateProfileId: 'cp_1', runId: 'run_1', earlier: ['WORKFLOW_CONTACT_RESOLVED'] },
      {
        candidateProfileId: 'cp_1',
        runId: 'run_1',
        earlier: ['WORKFLOW_CONTACT_RESOLVED', 'WORKFLOW_RUN_STARTED'],
      },
      // A command, and a call result (no public event of the candidate's), have no place.
      undefined,
      undefined,
      {
        candidateProfileId: 'cp_1',
        runId: 'run_1',
        earlier: ['WORKFLOW_CONTACT_RESOLVED', 'WORKFLOW_RUN_STARTED', 'WORKFLOW_NODE_COMPLETED'],
      },
    ]);
    expect(run.emitted).toEqual([
      'WORKFLOW_CONTACT_RESOLVED',
      'WORKFLOW_RUN_STARTED',
      'WORKFLOW_NODE_COMPLETED',
      'WORKFLOW_RUN_COMPLETED',
    ]);
  });

  it('leaves the events of a run with no candidate, or stored before runs kept their order, unordered', () => {
    for (const run of [
      { _id: 'run_2', candidateProfileId: null, emitted: [] },
      { _id: 'run_3', candidateProfileId: 'cp_1', emitted: undefined },
    ]) {
      const messages = [message('events', 'WORKFLOW_RUN_STARTED')];
      placeInCandidateOrder(run, messages);
      expect(messages[0].envelope.order).toBeUndefined();
    }
  });
});
