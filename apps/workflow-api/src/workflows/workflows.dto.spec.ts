import type { ArgumentMetadata } from '@nestjs/common';
import { strictValidationPipe, type ErrorBody } from '@wfp/http-kit';
import { CreateWorkflowDto, StartRunsDto } from './workflows.dto';

const pipe = strictValidationPipe();

async function problems(metatype: ArgumentMetadata['metatype'], body: unknown): Promise<ErrorBody> {
  try {
    await pipe.transform(body, { type: 'body', metatype });
  } catch (error) {
    return (error as { getResponse(): ErrorBody }).getResponse();
  }
  throw new Error('expected the body to be rejected');
}

const node = { id: 'done', type: 'output', config: { value: 1 } };
const valid = { name: 'wf', definition: { startNodeId: 'done', nodes: [node] } };

describe('CreateWorkflowDto (draft shape, checked at once)', () => {
  it('accepts an unfinished graph whose shape is right', async () => {
    const draft = {
      name: 'wf',
      definition: { startNodeId: 'missing', nodes: [node, { ...node, id: 'x', config: {} }] },
    };
    await expect(pipe.transform(draft, { type: 'body', metatype: CreateWorkflowDto })).resolves.toBeInstanceOf(
      CreateWorkflowDto,
    );
  });

  it('rejects unknown fields at every level, naming them', async () => {
    const body = await problems(CreateWorkflowDto, {
      ...valid,
      owner: 'me',
      definition: { ...valid.definition, version: 2, nodes: [{ ...node, colour: 'red' }] },
    });
    expect(body.statusCode).toBe(400);
    expect(body.details).toEqual(
      expect.arrayContaining([
        { field: 'owner', message: 'owner is not allowed' },
        { field: 'definition.version', message: 'definition.version is not allowed' },
        { field: 'definition.nodes[0].colour', message: 'definition.nodes[0].colour is not allowed' },
      ]),
    );
  });

  it('names wrong types inside nodes', async () => {
    const body = await problems(CreateWorkflowDto, {
      ...valid,
      definition: { startNodeId: 7, nodes: [{ ...node, type: 'fax', config: 'x', transitions: { onComplete: 3 } }] },
    });
    const fields = body.details?.map((detail) => detail.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'definition.startNodeId',
        'definition.nodes[0].type',
        'definition.nodes[0].config',
        'definition.nodes[0].transitions',
      ]),
    );
    expect(body.message).toContain('definition.nodes[0].type must be one of screeningOutreach');
  });

  it('checks input declarations and names the input', async () => {
    const body = await problems(CreateWorkflowDto, {
      ...valid,
      definition: { ...valid.definition, inputs: { email: { type: 'text' } } },
    });
    expect(body.details).toEqual([
      expect.objectContaining({ field: 'definition.inputs', message: expect.stringContaining('inputs.email.type') }),
    ]);
  });

  it('requires a definition with a nodes array', async () => {
    const body = await problems(CreateWorkflowDto, { name: 'wf' });
    expect(body.details?.[0].field).toBe('definition');
    const noNodes = await problems(CreateWorkflowDto, { name: 'wf', definition: { startNodeId: 'a' } });
    expect(noNodes.details?.map((detail) => detail.field)).toEqual(['definition.nodes']);
  });
});

describe('StartRunsDto', () => {
  it('takes up to 1000 candidate profile ids and up to 1000 contacts', async () => {
    const many = await problems(StartRunsDto, {
      triggerSource: 'API',
      candidateProfileIds: Array.from({ length: 1001 }, (_, i) => `cp_${i}`),
    });
    expect(many.details?.[0].field).toBe('candidateProfileIds');
    const contacts = Array.from({ length: 1000 }, (_, i) => ({ email: `c${i}@example.com` }));
    await expect(
      pipe.transform({ triggerSource: 'API', contacts }, { type: 'body', metatype: StartRunsDto }),
    ).resolves.toBeInstanceOf(StartRunsDto);
  });

  it('names the index and field of a badly shaped contact', async () => {
    const body = await problems(StartRunsDto, {
      triggerSource: 'API',
      contacts: [{ email: 'a@b.co' }, { email: 'c@d.co' }, { email: 42 }, { phone: '+44' }],
    });
    expect(body.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'contacts[2].email' }),
        { field: 'contacts[3].phone', message: 'contacts[3].phone is not allowed' },
      ]),
    );
  });

  it('rejects another trigger source', async () => {
    const body = await problems(StartRunsDto, { triggerSource: 'CRON', candidateProfileIds: ['cp_1'] });
    expect(body.details).toEqual([{ field: 'triggerSource', message: 'triggerSource must be API' }]);
  });
});
