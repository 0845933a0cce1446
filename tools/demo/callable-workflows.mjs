// The four callable workflows of seeds/callable-workflows-demo.txt, seeded by `npm start`. Their
// webhook nodes call the demo targets of tools/webhook-sink (POST /notes, /bad-request, /broken).

const inputs = { conversationId: { type: 'string', required: true } };

function createNote(targetBase, path) {
  return {
    id: 'create-note',
    type: 'webhook',
    label: 'Create a note on the conversation',
    config: {
      method: 'POST',
      url: `${targetBase}${path}`,
      contentType: 'json',
      body: { conversationId: '{{inputs.conversationId}}', body: 'New note from a called workflow' },
      timeoutSeconds: 5,
      retries: 1,
      setVariables: [{ name: 'data.id', variable: 'noteId' }],
    },
    transitions: { onSuccess: 'respond' },
  };
}

const respond = {
  id: 'respond',
  type: 'output',
  config: { value: { noteId: '{{vars.noteId}}', conversationId: '{{inputs.conversationId}}' } },
};

/** name → { description, definition } */
export function callableWorkflows(targetBase) {
  return {
    'output-reached': {
      description: 'creates a note and responds with it (output_reached)',
      definition: { inputs, startNodeId: 'create-note', nodes: [createNote(targetBase, '/notes'), respond] },
    },
    'output-not-reached': {
      description: 'goes down a branch without an output node (output_not_reached)',
      definition: {
        inputs,
        startNodeId: 'branch',
        nodes: [
          {
            id: 'branch',
            type: 'condition',
            config: {
              branches: [
                { when: { all: [{ path: 'inputs.conversationId', op: 'eq', value: 'vip' }] }, target: 'respond' },
              ],
              else: null,
            },
          },
          { id: 'respond', type: 'output', config: { value: { vip: true } } },
        ],
      },
    },
    'user-error': {
      description: 'its webhook node is refused with a 400 (user_error)',
      definition: { inputs, startNodeId: 'create-note', nodes: [createNote(targetBase, '/bad-request'), respond] },
    },
    'system-error': {
      description: 'its webhook node gets a 500 (system_error)',
      definition: { inputs, startNodeId: 'create-note', nodes: [createNote(targetBase, '/broken'), respond] },
    },
  };
}
