import {
  NODE_TYPES,
  TRANSITION_KEYS,
  WAITING_NODE_TYPES,
  isNodeType,
  isWaitingNodeType,
  toEventNodeType,
} from './node-types';

describe('node types', () => {
  it('lists the five node types', () => {
    expect(NODE_TYPES).toEqual(['screeningOutreach', 'engagementOutreach', 'condition', 'webhook', 'output']);
  });

  it('waits only on outreach nodes', () => {
    expect(WAITING_NODE_TYPES).toEqual(['screeningOutreach', 'engagementOutreach']);
    expect(NODE_TYPES.filter(isWaitingNodeType)).toEqual(['screeningOutreach', 'engagementOutreach']);
  });

  it('declares the transition keys of each type', () => {
    expect(TRANSITION_KEYS).toEqual({
      screeningOutreach: ['onComplete', 'onOptOut', 'onDeliveryFailed'],
      engagementOutreach: ['onComplete', 'onOptOut', 'onDeliveryFailed'],
      condition: [],
      webhook: ['onSuccess', 'onFailure'],
      output: [],
    });
  });

  it('maps each type to the upper-snake event form', () => {
    expect(NODE_TYPES.map(toEventNodeType)).toEqual([
      'SCREENING_OUTREACH',
      'ENGAGEMENT_OUTREACH',
      'CONDITION',
      'WEBHOOK',
      'OUTPUT',
    ]);
  });

  it('recognises node types', () => {
    expect(isNodeType('webhook')).toBe(true);
    expect(isNodeType('WEBHOOK')).toBe(false);
    expect(isNodeType('toString')).toBe(false);
    expect(isNodeType(undefined)).toBe(false);
  });
});
