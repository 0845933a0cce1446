import { declaredQueuesOf, declaredRequestsOf, SERVICE_QUEUES, SERVICE_RPC } from '@wfp/messaging';
import { RunCommandsHandler } from './run-commands.handler';

describe('workflow-processor topology', () => {
  it('publishes exactly the queues and bindings its handlers declare', () => {
    expect(declaredQueuesOf(RunCommandsHandler)).toEqual(SERVICE_QUEUES['workflow-processor']);
  });

  it('answers exactly the requests its handlers declare', () => {
    expect([...declaredRequestsOf(RunCommandsHandler)].sort()).toEqual([...SERVICE_RPC['workflow-processor']].sort());
  });
});
