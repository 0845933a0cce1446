import { InvalidMessageError } from '../commands/command';
import { RunsResumeCommand } from '../commands/runs-resume.command';
import { createEnvelope } from '../envelope';
import { CallResultSecretRevealRequest } from '../queries/webhook-requests';
import { parseMessage } from '../message';
import { catalogueExamples } from './catalogue-examples.fixture';
import { ALL_WORKFLOW_EVENT_TYPES, workflowEventDefinition } from './workflow-event-type';
import {
  RunCompletedEvent,
  RunStartedEvent,
  WORKFLOW_EVENTS,
  type RunCompletedData,
  type RunStartedData,
} from './workflow-events';

const examples = catalogueExamples();

const started: RunStartedData = {
  recordId: 'run_1',
  organizationId: 'org_1',
  workflowId: 'wf_1',
  workflowVersionId: 'wfv_1',
  workflowExternalId: null,
  candidateProfileId: 'cp_1',
  candidateProfileExternalId: null,
  timestamp: '2026-12-03T10:00:00.000Z',
};

const completed: RunCompletedData = {
  ...started,
  startedAt: '2026-12-03T10:00:00.000Z',
  completedAt: '2026-12-03T10:00:01.000Z',
  outcome: 'completed',
  truncated: false,
  nodes: [
    {
      nodeId: 'done',
      nodeType: 'OUTPUT',
      enteredAt: '2026-12-03T10:00:00.500Z',
      completedAt: '2026-12-03T10:00:01.000Z',
      routingEvent: 'onComplete',
      outcome: { kind: 'empty' },
    },
  ],
};

describe('workflow event definitions', () => {
  it('define every event of the catalogue once, each with its routing key and version', () => {
    expect(WORKFLOW_EVENTS.map((event) => event.type)).toEqual([...new Set(ALL_WORKFLOW_EVENT_TYPES)]);
    expect([...examples.keys()].sort()).toEqual([...ALL_WORKFLOW_EVENT_TYPES].sort());
    for (const event of WORKFLOW_EVENTS) expect(event.schemaVersion).toBe(1);
  });

  it.each([...ALL_WORKFLOW_EVENT_TYPES])('accept the catalogue example of %s as its payload', (type) => {
    const example = examples.get(type)?.data;
    expect(parseMessage(workflowEventDefinition(type), example)).toBe(example);
  });

  it('accept payloads built as their TypeScript types: the type and the schema agree', () => {
    expect(parseMessage(RunStartedEvent, started)).toBe(started);
    expect(parseMessage(RunCompletedEvent, completed)).toBe(completed);
    // Optional fields of the type are optional in the schema too.
    const { finalNodeId: _absent, ...withoutFinalNode } = { ...completed, finalNodeId: 'done' };
    expect(parseMessage(RunCompletedEvent, withoutFinalNode)).toEqual(completed);
  });

  it('refuse a payload that is not the event’s, naming the fields', () => {
    expect(() => parseMessage(RunCompletedEvent, started)).toThrow(InvalidMessageError);
    try {
      parseMessage(RunCompletedEvent, { ...completed, outcome: 'failed', secret: 'x' });
      throw new Error('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidMessageError);
      const problems = (error as InvalidMessageError).problems.join('\n');
      expect(problems).toContain('outcome');
      expect(problems).toContain('secret');
    }
    expect(() => parseMessage(RunStartedEvent, 'not an object')).toThrow('payload must be an object');
  });

  it('check commands with their class-validator rules', () => {
    expect(parseMessage(RunsResumeCommand, { runId: 'run_1' })).toEqual({ runId: 'run_1' });
    expect(() => parseMessage(RunsResumeCommand, { runId: '' })).toThrow(InvalidMessageError);
    // A request with no fields takes an empty payload and nothing else.
    expect(parseMessage(CallResultSecretRevealRequest, {})).toEqual({});
    expect(() => parseMessage(CallResultSecretRevealRequest, { organizationId: 'org_2' })).toThrow(InvalidMessageError);
  });

  it('tie an envelope’s payload to its definition at compile time', () => {
    const envelope = createEnvelope(RunCompletedEvent, completed, { organizationId: 'org_1' });
    expect(envelope).toMatchObject({ type: 'WORKFLOW_RUN_COMPLETED', schemaVersion: 1, payload: completed });
    expect(envelope.id).toMatch(/^evt_/);
    // @ts-expect-error a RUN_STARTED payload is not a RUN_COMPLETED one
    createEnvelope(RunCompletedEvent, started, { organizationId: 'org_1' });
    // @ts-expect-error a command's payload is its class's fields
    createEnvelope(RunsResumeCommand, { run: 'run_1' }, { organizationId: 'org_1' });
  });
});
