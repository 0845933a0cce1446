import { declaredQueuesOf, declaredRequestsOf, SERVICE_QUEUES, SERVICE_RPC } from '@wfp/messaging';
import { ContactMessagesHandler } from './contact-messages.handler';

describe('contact-resolver topology', () => {
  it('publishes exactly the queues and bindings its handlers declare', () => {
    expect(declaredQueuesOf(ContactMessagesHandler)).toEqual(SERVICE_QUEUES['contact-resolver']);
  });

  it('answers exactly the requests its handlers declare', () => {
    expect([...declaredRequestsOf(ContactMessagesHandler)].sort()).toEqual([...SERVICE_RPC['contact-resolver']].sort());
  });
});
