import type { MongoClient } from 'mongodb';
import type { Platform } from '@wfp/testing';
import { waitFor } from '@wfp/testing';

export interface StoredEvent {
  _id: string;
  type: string;
  data: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  occurredAt: Date;
}

const TERMINAL = ['WORKFLOW_RUN_COMPLETED', 'WORKFLOW_RUN_FAILED', 'WORKFLOW_RUN_CANCELLED'];

/** Reads what the dispatcher received, the platform's record of every event emitted. */
export class RunEvents {
  constructor(
    private readonly mongo: MongoClient,
    private readonly platform: Platform,
  ) {}

  private collection() {
    return this.mongo.db(this.platform.databases['webhook-dispatcher']).collection<StoredEvent>('received_events');
  }

  /** Every event of the run, in emission order (distinct event ids). */
  async of(runId: string): Promise<StoredEvent[]> {
    const events = await this.collection().find({ 'data.recordId': runId }).toArray();
    return events.sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || typeOrder(a) - typeOrder(b));
  }

  /** Waits for the run's terminal event and returns all its events then. */
  async untilTerminal(runId: string, timeoutMs = 20_000): Promise<{ terminal: StoredEvent; events: StoredEvent[] }> {
    const terminal = await waitFor(
      () => this.collection().findOne({ 'data.recordId': runId, type: { $in: TERMINAL } }),
      {
        timeoutMs,
        what: `the terminal event of ${runId}`,
      },
    );
    // Node events are emitted before the terminal one in the same write; give the relay a moment.
    await new Promise((resolve) => setTimeout(resolve, 150));
    return { terminal, events: await this.of(runId) };
  }
}

function typeOrder(event: StoredEvent): number {
  if (event.type === 'WORKFLOW_CONTACT_RESOLVED') return 0;
  if (event.type === 'WORKFLOW_RUN_STARTED') return 1;
  if (event.type === 'WORKFLOW_NODE_COMPLETED') return 2;
  return 3;
}
