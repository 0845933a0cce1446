import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  createEnvelope,
  parseMessage,
  workflowEventDefinition,
  type EnvelopeOrigin,
  type MessageEnvelope,
  type WorkflowEventData,
  type WorkflowEventType,
} from '@wfp/contracts';

const workspaceRoot = path.resolve(__dirname, '../../..');
let examples: Map<string, Record<string, unknown>> | null = null;

/**
 * The example `data` of each event of the normative catalogue (../shared/seeds/workflow-events.txt),
 * by event name, read once.
 */
function catalogueExamples(): Map<string, Record<string, unknown>> {
  if (examples) return examples;
  const text = readFileSync(path.resolve(workspaceRoot, '../shared/seeds/workflow-events.txt'), 'utf8');
  examples = new Map();
  for (let start = text.indexOf('{\n"event":'); start !== -1; start = text.indexOf('{\n"event":', start + 1)) {
    for (let end = start, depth = 0; end < text.length; end += 1) {
      depth += text[end] === '{' ? 1 : text[end] === '}' ? -1 : 0;
      if (depth > 0) continue;
      const example = JSON.parse(text.slice(start, end + 1)) as { event: string; data: Record<string, unknown> };
      examples.set(example.event, example.data);
      break;
    }
  }
  return examples;
}

/**
 * A valid payload of the event for the organization: the catalogue's example with `overrides`
 * (checked against the event's definition, so a test cannot publish a payload the services would
 * refuse without meaning to).
 */
export function catalogueEventData<T extends WorkflowEventType>(
  type: T,
  organizationId: string,
  overrides: Partial<WorkflowEventData<T>> = {},
): WorkflowEventData<T> {
  const example = catalogueExamples().get(type);
  if (!example) throw new Error(`the catalogue has no example of ${type}`);
  return parseMessage(workflowEventDefinition(type), {
    ...example,
    organizationId,
    ...overrides,
  }) as WorkflowEventData<T>;
}

/** An envelope of the event with a valid payload (catalogueEventData), new id, for the organization. */
export function catalogueEvent<T extends WorkflowEventType>(
  type: T,
  organizationId: string,
  overrides: Partial<WorkflowEventData<T>> = {},
  origin: Partial<EnvelopeOrigin> = {},
): MessageEnvelope<WorkflowEventData<T>> {
  return createEnvelope(workflowEventDefinition(type), catalogueEventData(type, organizationId, overrides) as never, {
    organizationId,
    ...origin,
  }) as MessageEnvelope<WorkflowEventData<T>>;
}
