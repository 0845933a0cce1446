import { declaredQueuesOf, declaredRequestsOf, SERVICE_QUEUES, SERVICE_RPC } from '@wfp/messaging';
import { WebhookRequestsHandler } from '../endpoints/webhook-requests.handler';
import { WorkflowEventsHandler } from './workflow-events.handler';

describe('webhook-dispatcher topology', () => {
  it('publishes exactly the queues and bindings its handlers declare', () => {
    expect(declaredQueuesOf(WorkflowEventsHandler)).toEqual(SERVICE_QUEUES['webhook-dispatcher']);
  });

  it('answers exactly the requests its handlers declare', () => {
    expect([...declaredRequestsOf(WebhookRequestsHandler)].sort()).toEqual(
      [...SERVICE_RPC['webhook-dispatcher']].sort(),
    );
  });
});
