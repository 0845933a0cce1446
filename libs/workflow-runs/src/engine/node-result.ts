import type { NodeOutcomeDetail, RunErrorCode } from '@wfp/contracts';

/** What executing one node produced; the engine turns it into one atomic run update. */
export type NodeResult =
  /** The node finished and names its routing event (onComplete, onSuccess, onConditionResolved…). */
  | {
      type: 'routed';
      routingEvent: string;
      outcome: NodeOutcomeDetail;
      /** Stored as `context.traverse.steps[nodeId]`. */
      step: unknown;
      /** For conditions: the chosen target (null ends the run). */
      conditionTarget?: string | null;
      /** Variables set by the node (webhook setVariables). */
      vars?: Record<string, unknown>;
      /** The run's output (output node). */
      output?: unknown;
      /** Error code to fail with when the routing event has no transition (webhook failures). */
      failureCode?: RunErrorCode;
      failedStatusCode?: number | null;
    }
  /** The node started something external and waits for its outcome (outreach). */
  | { type: 'waiting'; conversationId: string; wakeAt: Date }
  /** The node cannot run: the run fails with this code. */
  | { type: 'failed'; errorCode: RunErrorCode; step?: unknown };
