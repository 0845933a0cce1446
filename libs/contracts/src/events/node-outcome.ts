/** Public NodeOutcome shapes of the event catalogue. */
export const EVENT_NODE_TYPES = [
  'SCREENING_OUTREACH',
  'ENGAGEMENT_OUTREACH',
  'CONDITION',
  'WEBHOOK',
  'OUTPUT',
] as const;
export type EventNodeType = (typeof EVENT_NODE_TYPES)[number];

export const WORKFLOW_OUTREACH_OUTCOMES = [
  'PASSED_CRITERIA',
  'FAILED_CRITERIA',
  'COMPLETED',
  'NOT_INTERESTED',
  'OPTED_OUT',
  'DELIVERY_FAILED',
] as const;
export type WorkflowOutreachOutcome = (typeof WORKFLOW_OUTREACH_OUTCOMES)[number];

export const ANSWER_STATES = [
  'IS_YES',
  'IS_NO',
  'IS_ANY',
  'INCLUDES',
  'DOES_NOT_INCLUDE',
  'DOCUMENT_UPLOADED',
  'DOCUMENT_NOT_UPLOADED',
  'NEEDS_CLARIFICATION',
] as const;
export type AnswerState = (typeof ANSWER_STATES)[number];

export const TRAFFIC_LIGHTS = ['GREEN', 'AMBER', 'RED'] as const;
export type TrafficLight = (typeof TRAFFIC_LIGHTS)[number];

export const ANSWER_OUTCOMES = ['PASSED', 'FAILED', 'NOT_COMPLETED', 'NEEDS_REVIEW', 'PENDING'] as const;
export type AnswerOutcomeValue = (typeof ANSWER_OUTCOMES)[number];

export interface AnswerOutcome {
  slug: string;
  answer?: string | null;
  answerState?: AnswerState | null;
  trafficLight?: TrafficLight | null;
  outcome?: AnswerOutcomeValue | null;
  score?: number | null;
  documentS3Key?: string | null;
  documentTwilioMediaSid?: string | null;
  classifiedDocumentType?: string | null;
}

export interface ConversationOutcome {
  kind: 'conversation';
  conversationId: string;
  status: WorkflowOutreachOutcome;
  completedAt?: string;
  answers: AnswerOutcome[];
}

export interface ConditionOutcome {
  kind: 'condition';
  targetNodeId: string | null;
  targetNodeLabel: string | null;
}

export interface EmptyOutcome {
  kind: 'empty';
}

export type NodeOutcomeDetail = ConversationOutcome | ConditionOutcome | EmptyOutcome;

export interface NodeOutcome {
  nodeId: string;
  nodeType: EventNodeType;
  enteredAt: string;
  completedAt: string;
  routingEvent: string;
  outcome: NodeOutcomeDetail;
}
