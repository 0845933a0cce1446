import {
  attemptKeyOf,
  callResultsSenderId,
  isEndpointKey,
  isSubscribed,
  isSubscriber,
} from './webhook-endpoints.service';
import type { WebhookEndpoint } from './webhook-endpoint.schema';

function endpoint(overrides: Partial<WebhookEndpoint>): WebhookEndpoint {
  return {
    _id: 'we_1',
    organizationId: 'org_1',
    url: 'https://hooks.example/in',
    eventTypes: [],
    description: null,
    enabled: true,
    disabledReason: null,
    disabledAt: null,
    secrets: [],
    failingSince: null,
    createdAt: new Date(0),
    updatedAt: new Date(0),
    ...overrides,
  };
}

const sender = endpoint({ _id: callResultsSenderId('org_1'), kind: 'CALL_RESULTS', url: '' });

describe('endpoint kinds', () => {
  it('treats endpoints stored before kinds existed as subscribers', () => {
    expect(isSubscriber(endpoint({}))).toBe(true);
    expect(isSubscriber(endpoint({ kind: 'SUBSCRIBER' }))).toBe(true);
    expect(isSubscriber(sender)).toBe(false);
  });

  it('never subscribes a call-results sender to events, though its filter is empty', () => {
    expect(isSubscribed(endpoint({}), 'WORKFLOW_RUN_COMPLETED')).toBe(true);
    expect(isSubscribed(sender, 'WORKFLOW_RUN_COMPLETED')).toBe(false);
  });

  it('counts a sender’s attempts per target origin, and an endpoint’s per endpoint', () => {
    expect(attemptKeyOf(endpoint({}), null)).toBe('we_1');
    expect(attemptKeyOf(endpoint({}), 'https://elsewhere.example/x')).toBe('we_1');
    const a = attemptKeyOf(sender, 'https://bin.example/a?x=1');
    expect(a).toBe(attemptKeyOf(sender, 'https://bin.example/b'));
    expect(a).not.toBe(attemptKeyOf(sender, 'https://other.example/a'));
    expect(isEndpointKey(a)).toBe(false);
    expect(isEndpointKey('we_1')).toBe(true);
  });
});
