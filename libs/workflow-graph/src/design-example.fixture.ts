import type { WorkflowDefinition } from './workflow-definition';

/** The example definition of DESIGN.md section 5, fresh on every call so tests can mutate it. */
export function designExample(): WorkflowDefinition {
  return {
    inputs: { conversationId: { type: 'string', required: true } },
    startNodeId: 'screen',
    nodes: [
      {
        id: 'screen',
        type: 'screeningOutreach',
        label: 'Screen availability',
        config: {
          channels: ['sms', 'email'],
          replyWindowSeconds: 86400,
          questions: [{ slug: 'nmc-pin', text: 'Are you NMC registered?', preferredAnswer: 'IS_YES' }],
        },
        transitions: { onComplete: 'check', onOptOut: null, onDeliveryFailed: null },
      },
      {
        id: 'check',
        type: 'condition',
        config: {
          branches: [
            {
              when: { all: [{ path: 'nodes.screen.outcome.status', op: 'eq', value: 'PASSED_CRITERIA' }] },
              target: 'notify',
            },
          ],
          else: 'reject',
        },
      },
      {
        id: 'notify',
        type: 'webhook',
        config: {
          method: 'POST',
          url: 'https://hr.example/hooks',
          headers: {},
          contentType: 'json',
          body: { candidate: '{{run.candidateProfileId}}' },
          timeoutSeconds: 10,
          setVariables: [{ name: 'data.id', variable: 'ticketId' }],
        },
        transitions: { onSuccess: 'done', onFailure: 'reject' },
      },
      {
        id: 'reject',
        type: 'engagementOutreach',
        config: { channels: ['email'], questions: [] },
        transitions: { onComplete: null },
      },
      { id: 'done', type: 'output', config: { value: { ticket: '{{vars.ticketId}}' } } },
    ],
  };
}
