import { SERVICE_QUEUES } from '@wfp/contracts';
import { declaredQueuesOf } from '@wfp/messaging';
import { WorkflowEventsHandler } from './workflow-events.handler';

describe('webhook-dispatcher topology', () => {
  it('publishes exactly the queues and bindings its handlers declare', () => {
    expect(declaredQueuesOf(WorkflowEventsHandler)).toEqual(SERVICE_QUEUES['webhook-dispatcher']);
  });
});
