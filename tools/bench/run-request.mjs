// One POST /runs as `npm run bench` sends it, from its main thread and from its load worker alike.
import { Agent, request } from 'undici';

/** A keep-alive agent for POST /runs load. */
export function runRequestAgent() {
  return new Agent({ connections: 64, headersTimeout: 30_000, bodyTimeout: 30_000, keepAliveTimeout: 10_000 });
}

/** The body of one POST /runs: one inline contact with an address never used before (a new profile). */
export function runBody(contactNumber) {
  return JSON.stringify({ triggerSource: 'API', contacts: [{ email: `bench+${contactNumber}@example.com` }] });
}

/** One POST /runs; resolves to { sentAt, runIds } or { sentAt, error }, never throws. */
export async function postRun({ url, apiKey, agent, body }) {
  const sentAt = performance.now();
  try {
    const response = await request(url, {
      method: 'POST',
      dispatcher: agent,
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body,
    });
    const text = await response.body.text();
    if (response.statusCode !== 202) return { sentAt, error: `${response.statusCode} ${text.slice(0, 200)}` };
    return { sentAt, runIds: JSON.parse(text).runIds };
  } catch (error) {
    return { sentAt, error: error instanceof Error ? error.message : String(error) };
  }
}
