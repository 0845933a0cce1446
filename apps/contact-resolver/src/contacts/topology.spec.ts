import { SERVICE_QUEUES } from '@wfp/contracts';
import { declaredQueuesOf } from '@wfp/messaging';
import { ContactMessagesHandler } from './contact-messages.handler';

describe('contact-resolver topology', () => {
  it('publishes exactly the queues and bindings its handlers declare', () => {
    expect(declaredQueuesOf(ContactMessagesHandler)).toEqual(SERVICE_QUEUES['contact-resolver']);
  });
});
