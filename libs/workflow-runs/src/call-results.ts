import {
  callResultOf,
  createEnvelope,
  newMessageId,
  WORKFLOW_CALL_RESULT_EVENT,
  WorkflowCallResult,
  type CalledRunEnd,
  type EnvelopeOrigin,
  type MessageEnvelope,
} from '@wfp/contracts';
import type { Run } from './run.schema';

type CalledRun = Pick<Run, '_id' | 'workflowId' | 'workflowVersionId' | 'call'>;

/** How a stored run ended, as callResultOf reads it. */
export function endOf(
  run: Pick<Run, 'status' | 'outputReached' | 'output' | 'errorCode' | 'lastFailedNodeId' | 'failedStatusCode'>,
): CalledRunEnd {
  return {
    status: run.status === 'RUNNING' ? 'FAILED' : run.status,
    outputReached: run.outputReached ?? false,
    output: run.output ?? null,
    errorCode: run.errorCode ?? null,
    lastFailedNodeId: run.lastFailedNodeId ?? null,
    failedStatusCode: run.failedStatusCode ?? null,
  };
}

/**
 * The WorkflowCallResult a called run emits in the write that ends it (nothing for other runs).
 * Its id has the public `evt_` form: it is the eventId of the WORKFLOW_CALL_RESULT delivery.
 */
export function callResultEvents(run: CalledRun, end: CalledRunEnd, origin: EnvelopeOrigin): MessageEnvelope[] {
  if (!run.call) return [];
  const payload: WorkflowCallResult = {
    runId: run._id,
    workflowId: run.workflowId,
    workflowVersionId: run.workflowVersionId,
    result: callResultOf(end),
    webhookEndpointId: run.call.webhookEndpointId,
    webhookUrl: run.call.webhookUrl ?? null,
    responseMeta: run.call.responseMeta,
  };
  return [
    createEnvelope(
      WorkflowCallResult,
      payload,
      origin,
      newMessageId({ type: WORKFLOW_CALL_RESULT_EVENT, schemaVersion: 1 }),
    ),
  ];
}
