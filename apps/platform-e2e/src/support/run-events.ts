import type { EventTap, RecordedEvent } from '@wfp/testing';
import { waitFor } from '@wfp/testing';

const TERMINAL = ['WORKFLOW_RUN_COMPLETED', 'WORKFLOW_RUN_FAILED', 'WORKFLOW_RUN_CANCELLED'];

/** The events of runs, from the platform's record of every event emitted (its event tap). */
export class RunEvents {
  constructor(private readonly tap: EventTap) {}

  /** Every event of the run, in emission order (distinct event ids). */
  async of(runId: string): Promise<RecordedEvent[]> {
    const events = await this.tap.find((event) => event.data['recordId'] === runId);
    return events.sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || typeOrder(a) - typeOrder(b));
  }

  /**
   * Waits for the run's terminal event and returns all its events then; fails after `timeoutMs`
   * in which the run emitted no new event.
   */
  async untilTerminal(
    runId: string,
    timeoutMs = 20_000,
  ): Promise<{ terminal: RecordedEvent; events: RecordedEvent[] }> {
    let seen: string[] = [];
    const terminal = await waitFor(
      () => this.tap.findOne((event) => event.data['recordId'] === runId && TERMINAL.includes(event.type)),
      {
        timeoutMs,
        what: `the terminal event of ${runId}`,
        // A run that is still emitting events (a slow machine) is progressing, not stuck.
        progress: async () => {
          seen = (await this.of(runId)).map((event) => event.type);
          return seen.length;
        },
        lastSeen: () => (seen.length ? seen.join(', ') : 'no event of this run'),
      },
    );
    // Node events are emitted before the terminal one in the same write; give the relay a moment.
    await new Promise((resolve) => setTimeout(resolve, 150));
    return { terminal, events: await this.of(runId) };
  }
}

function typeOrder(event: RecordedEvent): number {
  if (event.type === 'WORKFLOW_CONTACT_RESOLVED') return 0;
  if (event.type === 'WORKFLOW_RUN_STARTED') return 1;
  if (event.type === 'WORKFLOW_NODE_COMPLETED') return 2;
  return 3;
}
