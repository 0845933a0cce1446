import { designExample } from './design-example.fixture';
import { validateDefinitionForPublish, type PublishProblem } from './publish-validation';
import type { WorkflowDefinition, WorkflowNode } from './workflow-definition';

// Tests write shapes that the definition types forbid, as a client could send them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

// Node indexes in the DESIGN.md example.
const SCREEN = 0;
const CHECK = 1;
const NOTIFY = 2;
const REJECT = 3;
const DONE = 4;

/** The example with one change applied; `loose` lets a test write shapes the types forbid. */
function problemsAfter(change: (definition: WorkflowDefinition, raw: Loose) => void): PublishProblem[] {
  const definition = designExample();
  change(definition, definition);
  return validateDefinitionForPublish(definition);
}

function node(definition: WorkflowDefinition, index: number): WorkflowNode {
  return definition.nodes[index];
}

function loose(value: unknown): Loose {
  return value;
}

describe('validateDefinitionForPublish', () => {
  describe('a valid definition', () => {
    it('accepts the DESIGN.md section 5 example', () => {
      expect(validateDefinitionForPublish(designExample())).toEqual([]);
    });

    it('accepts the example after a JSON round trip (as stored and sent)', () => {
      expect(validateDefinitionForPublish(JSON.parse(JSON.stringify(designExample())))).toEqual([]);
    });

    it('accepts a single output node with no inputs', () => {
      expect(
        validateDefinitionForPublish({
          startNodeId: 'out',
          nodes: [{ id: 'out', type: 'output', config: { value: null } }],
        }),
      ).toEqual([]);
    });

    it('accepts a loop that passes through an outreach node', () => {
      const problems = problemsAfter((definition) => {
        node(definition, REJECT).transitions = { onComplete: 'check' };
      });
      expect(problems).toEqual([]);
    });

    it('accepts an outreach node that routes to itself (asks again after waiting)', () => {
      const problems = problemsAfter((definition) => {
        node(definition, SCREEN).transitions = { onComplete: 'check', onDeliveryFailed: 'screen' };
      });
      expect(problems).toEqual([]);
    });

    it('accepts webhook onFailure set to null and transitions left out entirely', () => {
      const problems = problemsAfter((definition) => {
        node(definition, NOTIFY).transitions = { onSuccess: 'done', onFailure: null };
        delete node(definition, REJECT).transitions;
      });
      expect(problems).toEqual([]);
    });

    it('accepts a condition branch whose target is null (ends the run)', () => {
      const problems = problemsAfter((definition) => {
        loose(node(definition, CHECK).config).branches.push({
          when: { path: 'inputs.conversationId', op: 'exists' },
          target: null,
        });
      });
      expect(problems).toEqual([]);
    });
  });

  describe('definition shape', () => {
    it.each([null, undefined, 42, 'definition', []])(
      'reports a non-object definition (%p) without throwing',
      (value) => {
        expect(validateDefinitionForPublish(loose(value))).toEqual([
          { nodeId: null, field: '', message: 'definition must be an object' },
        ]);
      },
    );

    it('reports unknown top-level fields', () => {
      const problems = problemsAfter((_definition, raw) => {
        raw.version = 2;
      });
      expect(problems).toEqual([{ nodeId: null, field: 'version', message: 'property version should not exist' }]);
    });

    it('reports nodes that are not an array', () => {
      expect(validateDefinitionForPublish(loose({ startNodeId: 'a', nodes: { a: {} } }))).toEqual([
        { nodeId: null, field: 'nodes', message: 'nodes must be an array of nodes' },
        { nodeId: null, field: 'startNodeId', message: "startNodeId 'a' does not name a node" },
      ]);
    });

    it('reports an empty node list', () => {
      expect(validateDefinitionForPublish({ startNodeId: 'a', nodes: [] })).toEqual([
        { nodeId: null, field: 'nodes', message: 'nodes must contain at least one node' },
        { nodeId: null, field: 'startNodeId', message: "startNodeId 'a' does not name a node" },
      ]);
    });
  });

  describe('startNodeId', () => {
    it('reports a start node that does not exist', () => {
      const problems = problemsAfter((definition) => {
        definition.startNodeId = 'nope';
      });
      expect(problems).toEqual([
        { nodeId: null, field: 'startNodeId', message: "startNodeId 'nope' does not name a node" },
      ]);
    });

    it.each([undefined, '', 7])('reports a missing or non-string start node id (%p)', (startNodeId) => {
      const problems = problemsAfter((_definition, raw) => {
        raw.startNodeId = startNodeId;
      });
      expect(problems).toEqual([
        { nodeId: null, field: 'startNodeId', message: 'startNodeId must be the id of a node' },
      ]);
    });
  });

  describe('node ids', () => {
    it('reports a duplicate id on the later node', () => {
      const problems = problemsAfter((definition) => {
        node(definition, DONE).id = 'notify';
        node(definition, NOTIFY).transitions = { onSuccess: null, onFailure: 'reject' };
        loose(node(definition, DONE).config).value = 'finished';
      });
      expect(problems).toEqual([
        { nodeId: 'notify', field: 'nodes[4].id', message: "id 'notify' is already used by nodes[2]" },
      ]);
    });

    it.each(['has space', 'x'.repeat(65), 'dot.ted', ''])(
      'reports an id that does not match the id pattern (%p)',
      (id) => {
        const problems = problemsAfter((definition) => {
          node(definition, DONE).id = id;
          node(definition, NOTIFY).transitions = { onSuccess: id, onFailure: 'reject' };
        });
        expect(problems).toEqual([
          { nodeId: id, field: 'nodes[4].id', message: 'id must be 1-64 letters, digits, _ or -' },
        ]);
      },
    );

    it('reports a non-string id with a null nodeId', () => {
      const problems = problemsAfter((definition) => {
        loose(node(definition, DONE)).id = 42;
        node(definition, NOTIFY).transitions = { onSuccess: null, onFailure: 'reject' };
      });
      expect(problems).toEqual([
        { nodeId: null, field: 'nodes[4].id', message: 'id must be 1-64 letters, digits, _ or -' },
      ]);
    });
  });

  describe('node fields', () => {
    it('reports an unknown node type and skips its type-dependent checks', () => {
      const problems = problemsAfter((definition) => {
        loose(node(definition, DONE)).type = 'email';
      });
      expect(problems).toEqual([
        {
          nodeId: 'done',
          field: 'nodes[4].type',
          message: 'type must be one of: screeningOutreach, engagementOutreach, condition, webhook, output',
        },
      ]);
    });

    it('reports unknown node fields and a non-string label', () => {
      const problems = problemsAfter((definition) => {
        loose(node(definition, DONE)).position = { x: 1, y: 2 };
        loose(node(definition, DONE)).label = 12;
      });
      expect(problems).toEqual([
        { nodeId: 'done', field: 'nodes[4].position', message: 'property position should not exist' },
        { nodeId: 'done', field: 'nodes[4].label', message: 'label must be a string of at most 200 characters' },
      ]);
    });

    it('reports a node that is not an object', () => {
      const problems = problemsAfter((_definition, raw) => {
        raw.nodes.push(null, 'node');
      });
      expect(problems).toEqual([
        { nodeId: null, field: 'nodes[5]', message: 'node must be an object' },
        { nodeId: null, field: 'nodes[6]', message: 'node must be an object' },
      ]);
    });
  });

  describe('transitions', () => {
    it('reports a transition key that the outreach type does not have', () => {
      const problems = problemsAfter((definition) => {
        node(definition, SCREEN).transitions = { onComplete: 'check', onSuccess: null };
      });
      expect(problems).toEqual([
        {
          nodeId: 'screen',
          field: 'nodes[0].transitions.onSuccess',
          message:
            'transition onSuccess is not allowed for screeningOutreach nodes (allowed: onComplete, onOptOut, onDeliveryFailed)',
        },
      ]);
    });

    it('reports a transition key that the webhook type does not have', () => {
      const problems = problemsAfter((definition) => {
        node(definition, NOTIFY).transitions = { onSuccess: 'done', onFailure: 'reject', onComplete: null };
      });
      expect(problems).toEqual([
        {
          nodeId: 'notify',
          field: 'nodes[2].transitions.onComplete',
          message: 'transition onComplete is not allowed for webhook nodes (allowed: onSuccess, onFailure)',
        },
      ]);
    });

    it('reports transitions on condition and output nodes', () => {
      const problems = problemsAfter((definition) => {
        node(definition, CHECK).transitions = { onComplete: 'notify' };
        node(definition, DONE).transitions = { onComplete: null };
      });
      expect(problems).toEqual([
        {
          nodeId: 'check',
          field: 'nodes[1].transitions.onComplete',
          message: 'condition nodes route through config.branches and config.else, not transitions (onComplete)',
        },
        {
          nodeId: 'done',
          field: 'nodes[4].transitions.onComplete',
          message: 'output nodes end the run and take no transitions (onComplete)',
        },
      ]);
    });

    it('reports a transition target that names no node', () => {
      const problems = problemsAfter((definition) => {
        node(definition, NOTIFY).transitions = { onSuccess: 'ghost', onFailure: 'reject' };
      });
      expect(problems).toContainEqual({
        nodeId: 'notify',
        field: 'nodes[2].transitions.onSuccess',
        message: "target 'ghost' does not name a node",
      });
    });

    it('reports a transition target that is neither a string nor null', () => {
      const problems = problemsAfter((definition) => {
        node(definition, REJECT).transitions = loose({ onComplete: 3 });
      });
      expect(problems).toEqual([
        { nodeId: 'reject', field: 'nodes[3].transitions.onComplete', message: 'target must be a node id or null' },
      ]);
    });

    it('reports transitions that are not an object', () => {
      const problems = problemsAfter((definition) => {
        node(definition, REJECT).transitions = loose(['check']);
      });
      expect(problems).toEqual([
        {
          nodeId: 'reject',
          field: 'nodes[3].transitions',
          message: 'transitions must be an object of transition keys to node ids or null',
        },
      ]);
    });

    it('reports a webhook that routes to itself', () => {
      const problems = problemsAfter((definition) => {
        node(definition, NOTIFY).transitions = { onSuccess: 'done', onFailure: 'notify' };
      });
      expect(problems).toEqual([
        { nodeId: 'notify', field: 'nodes[2].transitions.onFailure', message: 'a webhook node cannot route to itself' },
      ]);
    });
  });

  describe('condition targets', () => {
    it('reports a branch target that names no node', () => {
      const problems = problemsAfter((definition) => {
        loose(node(definition, CHECK).config).branches[0].target = 'ghost';
      });
      expect(problems).toContainEqual({
        nodeId: 'check',
        field: 'nodes[1].config.branches[0].target',
        message: "target 'ghost' does not name a node",
      });
    });

    it('reports an else target that names no node', () => {
      const problems = problemsAfter((definition) => {
        loose(node(definition, CHECK).config).else = 'ghost';
      });
      expect(problems).toContainEqual({
        nodeId: 'check',
        field: 'nodes[1].config.else',
        message: "target 'ghost' does not name a node",
      });
    });

    it('reports a condition that routes to itself through a branch or else', () => {
      const problems = problemsAfter((definition) => {
        loose(node(definition, CHECK).config).branches[0].target = 'check';
        loose(node(definition, CHECK).config).else = 'check';
        node(definition, SCREEN).transitions = { onComplete: 'check', onOptOut: 'notify', onDeliveryFailed: 'reject' };
      });
      expect(problems).toEqual([
        {
          nodeId: 'check',
          field: 'nodes[1].config.branches[0].target',
          message: 'a condition node cannot route to itself',
        },
        { nodeId: 'check', field: 'nodes[1].config.else', message: 'a condition node cannot route to itself' },
      ]);
    });

    it('reports a branch target of the wrong type once (from the config check)', () => {
      const problems = problemsAfter((definition) => {
        loose(node(definition, CHECK).config).branches[0].target = 5;
        node(definition, SCREEN).transitions = { onComplete: 'check', onOptOut: 'notify' };
      });
      expect(problems).toEqual([
        { nodeId: 'check', field: 'nodes[1].config.branches[0].target', message: 'target must be a node id or null' },
      ]);
    });
  });

  describe('reachability', () => {
    it('reports a node that cannot be reached from the start node', () => {
      const problems = problemsAfter((definition) => {
        definition.nodes.push({ id: 'orphan', type: 'output', config: { value: 1 } });
      });
      expect(problems).toEqual([
        {
          nodeId: 'orphan',
          field: 'nodes[5]',
          message: "node 'orphan' cannot be reached from the start node 'screen'",
        },
      ]);
    });

    it('reports every node cut off when an edge is removed, in node order', () => {
      const problems = problemsAfter((definition) => {
        node(definition, SCREEN).transitions = { onComplete: null };
      });
      expect(problems.map((problem) => [problem.nodeId, problem.field])).toEqual([
        ['check', 'nodes[1]'],
        ['notify', 'nodes[2]'],
        ['reject', 'nodes[3]'],
        ['done', 'nodes[4]'],
      ]);
    });

    it('follows condition branches and else when deciding reachability', () => {
      const problems = problemsAfter((definition) => {
        // reject is then reachable only through check's else.
        node(definition, NOTIFY).transitions = { onSuccess: 'done', onFailure: null };
      });
      expect(problems).toEqual([]);
    });

    it('skips reachability when the start node is unknown (one problem, not one per node)', () => {
      const problems = problemsAfter((definition) => {
        definition.startNodeId = 'ghost';
      });
      expect(problems).toHaveLength(1);
    });
  });

  describe('loops without an outreach node', () => {
    it('rejects a condition ↔ webhook loop', () => {
      const problems = problemsAfter((definition) => {
        node(definition, NOTIFY).transitions = { onSuccess: 'done', onFailure: 'check' };
      });
      expect(problems).toEqual([
        {
          nodeId: 'check',
          field: 'nodes[1]',
          message:
            "nodes 'check', 'notify' form a loop without an outreach node; a loop must wait for a reply somewhere",
        },
      ]);
    });

    it('rejects a longer loop of condition and webhook nodes, reported once at its first node', () => {
      const definition: WorkflowDefinition = {
        startNodeId: 'a',
        nodes: [
          {
            id: 'a',
            type: 'webhook',
            config: { method: 'GET', url: 'https://x.example' },
            transitions: { onSuccess: 'b' },
          },
          {
            id: 'b',
            type: 'condition',
            config: { branches: [{ when: { path: 'vars.done', op: 'eq', value: true }, target: 'out' }], else: 'c' },
          },
          {
            id: 'c',
            type: 'webhook',
            config: { method: 'GET', url: 'https://y.example' },
            transitions: { onSuccess: 'a' },
          },
          { id: 'out', type: 'output', config: { value: 'ok' } },
        ],
      };
      expect(validateDefinitionForPublish(definition)).toEqual([
        {
          nodeId: 'a',
          field: 'nodes[0]',
          message: "nodes 'a', 'b', 'c' form a loop without an outreach node; a loop must wait for a reply somewhere",
        },
      ]);
    });

    it('reports two separate loops separately', () => {
      const definition: WorkflowDefinition = {
        startNodeId: 'a',
        nodes: [
          {
            id: 'a',
            type: 'webhook',
            config: { method: 'GET', url: 'https://x.example' },
            transitions: { onSuccess: 'b', onFailure: 'c' },
          },
          {
            id: 'b',
            type: 'condition',
            config: { branches: [{ when: { path: 'vars.x', op: 'exists' }, target: 'a' }] },
          },
          {
            id: 'c',
            type: 'webhook',
            config: { method: 'GET', url: 'https://y.example' },
            transitions: { onSuccess: 'd' },
          },
          {
            id: 'd',
            type: 'condition',
            config: { branches: [{ when: { path: 'vars.x', op: 'exists' }, target: 'c' }] },
          },
        ],
      };
      expect(validateDefinitionForPublish(definition).map((problem) => [problem.nodeId, problem.field])).toEqual([
        ['a', 'nodes[0]'],
        ['c', 'nodes[2]'],
      ]);
    });

    it('accepts the same loop once an outreach node is part of it', () => {
      const definition: WorkflowDefinition = {
        startNodeId: 'a',
        nodes: [
          {
            id: 'a',
            type: 'webhook',
            config: { method: 'GET', url: 'https://x.example' },
            transitions: { onSuccess: 'b' },
          },
          {
            id: 'b',
            type: 'condition',
            config: { branches: [{ when: { path: 'vars.done', op: 'eq', value: true }, target: null }], else: 'ask' },
          },
          {
            id: 'ask',
            type: 'engagementOutreach',
            config: { channels: ['sms'], questions: [] },
            transitions: { onComplete: 'a' },
          },
        ],
      };
      expect(validateDefinitionForPublish(definition)).toEqual([]);
    });
  });

  describe('node config', () => {
    it('reports outreach config problems with the field path', () => {
      const problems = problemsAfter((definition) => {
        node(definition, SCREEN).config = {
          channels: [],
          replyWindowSeconds: 30,
          questions: [{ slug: 'NMC', text: 'x' }],
        };
      });
      expect(problems).toEqual([
        { nodeId: 'screen', field: 'nodes[0].config.channels', message: 'channels should not be empty' },
        {
          nodeId: 'screen',
          field: 'nodes[0].config.replyWindowSeconds',
          message: 'replyWindowSeconds must not be less than 60',
        },
        {
          nodeId: 'screen',
          field: 'nodes[0].config.questions[0].slug',
          message: 'slug must be lowercase kebab-case of 1-64 characters, such as nmc-pin',
        },
      ]);
    });

    it('reports webhook config problems with the field path', () => {
      const problems = problemsAfter((definition) => {
        loose(node(definition, NOTIFY).config).method = 'FETCH';
        loose(node(definition, NOTIFY).config).retries = 9;
      });
      expect(problems).toEqual([
        {
          nodeId: 'notify',
          field: 'nodes[2].config.method',
          message: 'method must be one of the following values: GET, POST, PUT, PATCH, DELETE, HEAD',
        },
        { nodeId: 'notify', field: 'nodes[2].config.retries', message: 'retries must not be greater than 5' },
      ]);
    });

    it('reports an output node without a value', () => {
      const problems = problemsAfter((definition) => {
        node(definition, DONE).config = {};
      });
      expect(problems).toEqual([{ nodeId: 'done', field: 'nodes[4].config.value', message: 'value is required' }]);
    });

    it('reports unknown config fields', () => {
      const problems = problemsAfter((definition) => {
        loose(node(definition, NOTIFY).config).verb = 'POST';
      });
      expect(problems).toEqual([
        { nodeId: 'notify', field: 'nodes[2].config.verb', message: 'property verb should not exist' },
      ]);
    });

    it.each([null, undefined, 'config', [1]])(
      'reports a config that is not an object (%p) without throwing',
      (config) => {
        const problems = problemsAfter((definition) => {
          loose(node(definition, REJECT)).config = config;
        });
        expect(problems).toEqual([{ nodeId: 'reject', field: 'nodes[3].config', message: 'config must be an object' }]);
      },
    );

    it('reports condition problems at the exact leaf', () => {
      const problems = problemsAfter((definition) => {
        loose(node(definition, CHECK).config).branches[0].when = {
          all: [{ path: 'outcome.status', op: 'eq', value: 'X' }, { not: { path: 'vars.n', op: 'gt', value: 'soon' } }],
        };
      });
      expect(problems).toEqual([
        {
          nodeId: 'check',
          field: 'nodes[1].config.branches[0].when.all[0].path',
          message:
            'path must be one of inputs.<name>…, vars.<name>…, run.<field>…, nodes.<id>.outcome… or nodes.<id>.answers.<slug>…',
        },
        {
          nodeId: 'check',
          field: 'nodes[1].config.branches[0].when.all[1].not.value',
          message: 'value must be a number or an ISO 8601 date string for op gt',
        },
      ]);
    });

    it('reports a condition nested deeper than 10 levels', () => {
      const problems = problemsAfter((definition) => {
        let when: unknown = { path: 'vars.x', op: 'exists' };
        for (let level = 0; level < 10; level++) when = { not: when };
        loose(node(definition, CHECK).config).branches[0].when = when;
      });
      expect(problems).toEqual([
        {
          nodeId: 'check',
          field: `nodes[1].config.branches[0].when${'.not'.repeat(10)}`,
          message: 'conditions may nest at most 10 levels deep',
        },
      ]);
    });
  });

  describe('paths and templates', () => {
    it('reports a condition path that refers to an unknown node', () => {
      const problems = problemsAfter((definition) => {
        loose(node(definition, CHECK).config).branches[0].when.all[0].path = 'nodes.screening.outcome.status';
      });
      expect(problems).toEqual([
        {
          nodeId: 'check',
          field: 'nodes[1].config.branches[0].when.all[0].path',
          message: "path nodes.screening.outcome.status refers to unknown node 'screening'",
        },
      ]);
    });

    it('accepts an answers path for a question the outreach node asks', () => {
      const problems = problemsAfter((definition) => {
        loose(node(definition, CHECK).config).branches[0].when.all[0].path = 'nodes.screen.answers.nmc-pin.value';
      });
      expect(problems).toEqual([]);
    });

    it('reports an answers path for a question the node does not ask', () => {
      const problems = problemsAfter((definition) => {
        loose(node(definition, CHECK).config).branches[0].when.all[0].path = 'nodes.screen.answers.right-to-work';
      });
      expect(problems).toEqual([
        {
          nodeId: 'check',
          field: 'nodes[1].config.branches[0].when.all[0].path',
          message:
            "path nodes.screen.answers.right-to-work reads answer 'right-to-work', which node 'screen' does not ask",
        },
      ]);
    });

    it('reports an answers path on a node that is not an outreach node', () => {
      const problems = problemsAfter((definition) => {
        loose(node(definition, DONE).config).value = '{{nodes.notify.answers.status}}';
      });
      expect(problems).toEqual([
        {
          nodeId: 'done',
          field: 'nodes[4].config.value',
          message:
            "template {{nodes.notify.answers.status}} nodes.notify.answers.status reads answers of node 'notify', which is not an outreach node",
        },
      ]);
    });

    it('reports a template path that is not a scope path, at the string that holds it', () => {
      const problems = problemsAfter((definition) => {
        loose(node(definition, NOTIFY).config).body = { candidate: { id: 'id: {{ candidateProfileId }}' } };
      });
      expect(problems).toEqual([
        {
          nodeId: 'notify',
          field: 'nodes[2].config.body.candidate.id',
          message:
            'template {{candidateProfileId}} must use a path: inputs.<name>…, vars.<name>…, run.<field>…, nodes.<id>.outcome… or nodes.<id>.answers.<slug>…',
        },
      ]);
    });

    it('reports a template that refers to an unknown node, in url, headers and arrays', () => {
      const problems = problemsAfter((definition) => {
        const config = loose(node(definition, NOTIFY).config);
        config.url = 'https://hr.example/{{nodes.ghost.outcome.id}}';
        config.headers = { 'X-Trace': '{{ nodes.ghost.outcome }}' };
        config.body = ['{{vars.ok}}', '{{nodes.ghost.outcome}}'];
      });
      expect(problems.map((problem) => problem.field)).toEqual([
        'nodes[2].config.url',
        'nodes[2].config.headers["X-Trace"]',
        'nodes[2].config.body[1]',
      ]);
      expect(
        problems.every((problem) => problem.nodeId === 'notify' && problem.message.includes("unknown node 'ghost'")),
      ).toBe(true);
    });

    it('does not treat template-like text in outreach questions as templates', () => {
      const problems = problemsAfter((definition) => {
        loose(node(definition, SCREEN).config).questions[0].text = 'Reply {{YES}} to confirm';
      });
      expect(problems).toEqual([]);
    });
  });

  describe('inputs', () => {
    it('reports an input name that is not an identifier', () => {
      const problems = problemsAfter((definition) => {
        definition.inputs = { '1st-name': { type: 'string' } };
      });
      expect(problems).toEqual([
        {
          nodeId: null,
          field: 'inputs["1st-name"]',
          message: "input name '1st-name' must be an identifier (letters, digits and _, not starting with a digit)",
        },
      ]);
    });

    it('reports an unknown input type, a non-boolean required and unknown fields', () => {
      const problems = problemsAfter((definition) => {
        definition.inputs = loose({ startDate: { type: 'date', required: 'yes', default: 'x' } });
      });
      expect(problems).toEqual([
        { nodeId: null, field: 'inputs.startDate.default', message: 'property default should not exist' },
        {
          nodeId: null,
          field: 'inputs.startDate.type',
          message: 'type must be one of the following values: string, number, boolean, object, array',
        },
        { nodeId: null, field: 'inputs.startDate.required', message: 'required must be a boolean value' },
      ]);
    });

    it('reports inputs that are not an object, and a declaration that is not an object', () => {
      expect(problemsAfter((_definition, raw) => (raw.inputs = ['conversationId']))).toEqual([
        { nodeId: null, field: 'inputs', message: 'inputs must be an object of input names to declarations' },
      ]);
      expect(problemsAfter((_definition, raw) => (raw.inputs = { conversationId: 'string' }))).toEqual([
        { nodeId: null, field: 'inputs.conversationId', message: 'input declaration must be an object' },
      ]);
    });
  });

  describe('reporting', () => {
    function brokenDefinition(): WorkflowDefinition {
      const definition = designExample();
      definition.startNodeId = 'start';
      node(definition, SCREEN).config = { ...node(definition, SCREEN).config, channels: ['pigeon'] };
      node(definition, NOTIFY).transitions = { onSuccess: 'done', onFailure: 'check' };
      node(definition, DONE).transitions = { onComplete: null };
      definition.nodes.push({ id: 'screen', type: 'output', config: { value: 1 } });
      return definition;
    }

    it('reports every problem together, in a stable order', () => {
      expect(validateDefinitionForPublish(brokenDefinition())).toEqual([
        { nodeId: null, field: 'startNodeId', message: "startNodeId 'start' does not name a node" },
        {
          nodeId: 'screen',
          field: 'nodes[0].config.channels',
          message: 'each value in channels must be one of the following values: sms, email, whatsapp',
        },
        {
          nodeId: 'done',
          field: 'nodes[4].transitions.onComplete',
          message: 'output nodes end the run and take no transitions (onComplete)',
        },
        { nodeId: 'screen', field: 'nodes[5].id', message: "id 'screen' is already used by nodes[0]" },
        {
          nodeId: 'check',
          field: 'nodes[1]',
          message:
            "nodes 'check', 'notify' form a loop without an outreach node; a loop must wait for a reply somewhere",
        },
      ]);
    });

    it('returns the same problems on every call', () => {
      expect(validateDefinitionForPublish(brokenDefinition())).toEqual(
        validateDefinitionForPublish(brokenDefinition()),
      );
    });

    it('does not modify the definition it validates', () => {
      const definition = brokenDefinition();
      const before = JSON.stringify(definition);
      validateDefinitionForPublish(definition);
      expect(JSON.stringify(definition)).toBe(before);
    });
  });

  describe('hostile input', () => {
    it('survives garbage in every position without throwing', () => {
      const garbage = loose({
        inputs: { a: null, b: [], c: { type: null } },
        startNodeId: {},
        nodes: [
          null,
          7,
          { id: 'x', type: 'condition', config: { branches: 'all', else: 3 }, transitions: 'no' },
          {
            id: 'y',
            type: 'condition',
            config: { branches: [null, { when: null, target: {} }, { when: { all: 'x' } }] },
          },
          { id: 'z', type: 'webhook', config: { method: 1, url: null, headers: [], body: () => 1, setVariables: {} } },
          { id: 'w', type: 'screeningOutreach', config: { channels: 'sms', questions: [1, [], null] } },
          { id: 'v', type: 'output', config: { value: undefined } },
        ],
      });
      const problems = validateDefinitionForPublish(garbage);
      expect(problems.length).toBeGreaterThan(10);
      for (const problem of problems) {
        expect(typeof problem.field).toBe('string');
        expect(typeof problem.message).toBe('string');
      }
    });

    it('reports a config nested too deeply instead of overflowing the stack', () => {
      const problems = problemsAfter((definition) => {
        let body: unknown = 'leaf';
        for (let level = 0; level < 10_000; level++) body = { next: body };
        loose(node(definition, NOTIFY).config).body = body;
      });
      expect(problems).toEqual([
        { nodeId: 'notify', field: 'nodes[2].config', message: 'config must not be nested more than 64 levels deep' },
      ]);
    });

    it('reports a condition nested 10 000 levels deep without overflowing the stack', () => {
      const problems = problemsAfter((definition) => {
        let when: unknown = { path: 'vars.x', op: 'exists' };
        for (let level = 0; level < 10_000; level++) when = { any: [when] };
        loose(node(definition, CHECK).config).branches[0].when = when;
      });
      expect(problems).toEqual([
        { nodeId: 'check', field: 'nodes[1].config', message: 'config must not be nested more than 64 levels deep' },
      ]);
    });

    it('reports a __proto__ key from parsed JSON', () => {
      const problems = problemsAfter((definition) => {
        node(definition, DONE).config = JSON.parse('{"value": {"__proto__": {"polluted": true}}}');
      });
      expect(problems).toEqual([
        { nodeId: 'done', field: 'nodes[4].config', message: 'config must not contain a __proto__ key' },
      ]);
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    });

    it('handles a long chain of nodes without recursion limits', () => {
      const count = 5_000;
      const nodes: WorkflowNode[] = Array.from({ length: count }, (_, index) => ({
        id: `n${index}`,
        type: 'webhook',
        config: { method: 'GET', url: 'https://x.example' },
        transitions: { onSuccess: index + 1 < count ? `n${index + 1}` : null },
      }));
      expect(validateDefinitionForPublish({ startNodeId: 'n0', nodes })).toEqual([]);
      nodes[count - 1].transitions = { onSuccess: 'n0' };
      expect(validateDefinitionForPublish({ startNodeId: 'n0', nodes })).toHaveLength(1);
    });
  });
});
