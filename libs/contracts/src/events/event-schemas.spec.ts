import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { catalogueExamples } from './catalogue-examples.fixture';
import { ALL_WORKFLOW_EVENT_TYPES, WorkflowEventType } from './workflow-event-type';
import { eventSchema, WEBHOOK_ENVELOPE_SCHEMA, WORKFLOW_EVENT_TYPES_CATALOGUE } from './event-schemas';

const ajv = addFormats(new Ajv2020({ allErrors: true, strict: true }));
const examples = catalogueExamples();

describe('event JSON Schemas', () => {
  it('cover every event of the catalogue, once', () => {
    expect(WORKFLOW_EVENT_TYPES_CATALOGUE.map((entry) => entry.event).sort()).toEqual(
      [...ALL_WORKFLOW_EVENT_TYPES].sort(),
    );
    expect([...examples.keys()].sort()).toEqual([...ALL_WORKFLOW_EVENT_TYPES].sort());
  });

  it.each([...ALL_WORKFLOW_EVENT_TYPES])('accept the catalogue example of %s', (event) => {
    const example = examples.get(event);
    expect(ajv.validate(WEBHOOK_ENVELOPE_SCHEMA, example)).toBe(true);
    const valid = ajv.validate(eventSchema(event), example?.data);
    expect(ajv.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('encode the omission rules: a field absent on an event is refused there', () => {
    const omissions: Array<[WorkflowEventType, string]> = [
      [WorkflowEventType.Published, 'workflowId'],
      [WorkflowEventType.Published, 'candidateProfileId'],
      [WorkflowEventType.ContactResolutionFailed, 'workflowVersionId'],
      [WorkflowEventType.ContactResolutionFailed, 'candidateProfileId'],
      [WorkflowEventType.ContactResolutionSkipped, 'workflowVersionId'],
      [WorkflowEventType.ContactResolved, 'candidateProfileExternalId'],
      [WorkflowEventType.ContactResolved, 'timestamp'],
    ];
    for (const [event, field] of omissions) {
      const data = { ...examples.get(event)?.data, [field]: 'x' };
      expect({ event, field, valid: ajv.validate(eventSchema(event), data) }).toEqual({ event, field, valid: false });
    }
  });

  it('refuse enum values outside the catalogue', () => {
    const failed = { ...examples.get(WorkflowEventType.RunFailed)?.data, errorCode: 'UNKNOWN' };
    expect(ajv.validate(eventSchema(WorkflowEventType.RunFailed), failed)).toBe(false);
    const node = { ...examples.get(WorkflowEventType.NodeCompleted)?.data, nodeType: 'SEND_FAX' };
    expect(ajv.validate(eventSchema(WorkflowEventType.NodeCompleted), node)).toBe(false);
  });
});
