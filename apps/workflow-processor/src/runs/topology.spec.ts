import { SERVICE_QUEUES } from '@wfp/contracts';
import { declaredQueuesOf } from '@wfp/messaging';
import { RunCommandsHandler } from './run-commands.handler';

describe('workflow-processor topology', () => {
  it('publishes exactly the queues and bindings its handlers declare', () => {
    expect(declaredQueuesOf(RunCommandsHandler)).toEqual(SERVICE_QUEUES['workflow-processor']);
  });
});
