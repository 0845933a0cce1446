import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import request from 'supertest';
import {
  createEnvelope,
  eventSchema,
  RunsStartCommand,
  type MessageEnvelope,
  type WorkflowEventType,
} from '@wfp/contracts';
import { TEST_ADMIN_TOKEN, type BrokerProbe } from '@wfp/testing';

/** The demo graph `npm start` publishes: screen, then branch on the outcome. */
export const screeningDefinition = JSON.parse(
  readFileSync(path.join(__dirname, '../../../../tools/demo/screening-workflow.json'), 'utf8'),
) as Record<string, unknown> & { nodes: Array<Record<string, unknown>> };

export async function createOrganization(apiUrl: string, name: string): Promise<{ id: string; apiKey: string }> {
  const response = await request(apiUrl)
    .post('/v1/orgs')
    .set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
    .send({ name })
    .expect(201);
  return response.body;
}

const ajv = addFormats(new Ajv2020({ allErrors: true, strict: true }));

/** Validates an event's data against the published JSON Schema; returns the errors (empty when valid). */
export function schemaErrors(event: WorkflowEventType, data: unknown): unknown[] {
  return ajv.validate(eventSchema(event), data) ? [] : (ajv.errors ?? []);
}

/**
 * Puts a runs.start for a published version straight into the processor's DLQ, with the headers
 * the transport writes when it dead-letters (as if its retries had been spent while the store was
 * away): something an admin can list, inspect and replay.
 */
export async function parkRunsStart(
  probe: BrokerProbe,
  namespace: string,
  run: { organizationId: string; correlationId?: string; runId: string; workflowId: string; workflowVersionId: string },
  headers: Record<string, unknown> = {},
): Promise<MessageEnvelope<RunsStartCommand>> {
  const command = createEnvelope(
    RunsStartCommand,
    {
      runId: run.runId,
      workflowId: run.workflowId,
      workflowVersionId: run.workflowVersionId,
      versionNumber: 1,
      workflowExternalId: null,
      candidateProfileId: `cp_${run.runId}`,
      candidateProfileExternalId: null,
      triggerSource: 'API',
      inputs: {},
    } satisfies RunsStartCommand,
    { organizationId: run.organizationId, correlationId: run.correlationId },
  );
  await probe.publishRaw('', `${namespace}.workflow-processor.commands.dlq`, Buffer.from(JSON.stringify(command)), {
    messageId: command.id,
    headers: {
      'x-dead-letter-reason': 'retries-exhausted',
      'x-attempt': 5,
      'x-original-exchange': `${namespace}.commands`,
      'x-original-routing-key': 'runs.start',
      ...headers,
    },
  });
  return command;
}
