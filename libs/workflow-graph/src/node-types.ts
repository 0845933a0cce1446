import type { EventNodeType } from '@wfp/contracts';

export const NODE_TYPES = ['screeningOutreach', 'engagementOutreach', 'condition', 'webhook', 'output'] as const;
export type NodeType = (typeof NODE_TYPES)[number];

/** Outreach nodes end a processor step and wait for the conversation outcome (or its timer). */
export const WAITING_NODE_TYPES = ['screeningOutreach', 'engagementOutreach'] as const;
export type WaitingNodeType = (typeof WAITING_NODE_TYPES)[number];

/**
 * The transition keys each node type may declare. A condition routes through
 * `config.branches[].target` and `config.else` instead; an output node is terminal.
 */
export const TRANSITION_KEYS: Record<NodeType, readonly string[]> = {
  screeningOutreach: ['onComplete', 'onOptOut', 'onDeliveryFailed'],
  engagementOutreach: ['onComplete', 'onOptOut', 'onDeliveryFailed'],
  condition: [],
  webhook: ['onSuccess', 'onFailure'],
  output: [],
};

/** The upper-snake form used as `nodeType` in events. */
const EVENT_NODE_TYPE_OF: Record<NodeType, EventNodeType> = {
  screeningOutreach: 'SCREENING_OUTREACH',
  engagementOutreach: 'ENGAGEMENT_OUTREACH',
  condition: 'CONDITION',
  webhook: 'WEBHOOK',
  output: 'OUTPUT',
};

export function isNodeType(value: unknown): value is NodeType {
  return typeof value === 'string' && (NODE_TYPES as readonly string[]).includes(value);
}

export function isWaitingNodeType(type: NodeType): type is WaitingNodeType {
  return (WAITING_NODE_TYPES as readonly string[]).includes(type);
}

export function toEventNodeType(type: NodeType): EventNodeType {
  return EVENT_NODE_TYPE_OF[type];
}
