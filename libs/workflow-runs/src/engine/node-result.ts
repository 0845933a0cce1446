import type { NodeOutcomeDetail, RunErrorCode } from '@wfp/contracts';
import type { NodeAttempts } from '../run.schema';

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

/**
 * What executing a node in one message produced: a result, or (webhook nodes) the attempts that
 * fit in the message's time budget, the rest to follow in the next message on the same node.
 */
export type ExecutionResult = NodeResult | { type: 'unfinished'; attempts: NodeAttempts };
