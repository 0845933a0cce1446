import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import request from 'supertest';
import { eventSchema, type WorkflowEventType } from '@wfp/contracts';
import { TEST_ADMIN_TOKEN } from '@wfp/testing';

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
