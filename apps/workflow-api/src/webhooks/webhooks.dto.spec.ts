import type { ArgumentMetadata } from '@nestjs/common';
import { ALL_WORKFLOW_EVENT_TYPES, WorkflowEventType } from '@wfp/contracts';
import { strictValidationPipe, type ErrorBody } from '@wfp/http-kit';
import {
  CreateWebhookEndpointDto,
  ListWebhookDeliveriesQueryDto,
  RecoverDeliveriesDto,
  RotateWebhookSecretDto,
  UpdateWebhookEndpointDto,
} from './webhooks.dto';

const pipe = strictValidationPipe();

function accepted(metatype: ArgumentMetadata['metatype'], value: unknown, type: ArgumentMetadata['type'] = 'body') {
  return pipe.transform(value, { type, metatype });
}

async function problems(
  metatype: ArgumentMetadata['metatype'],
  value: unknown,
  type: ArgumentMetadata['type'] = 'body',
): Promise<ErrorBody> {
  try {
    await pipe.transform(value, { type, metatype });
  } catch (error) {
    return (error as { getResponse(): ErrorBody }).getResponse();
  }
  throw new Error('expected the input to be rejected');
}

describe('CreateWebhookEndpointDto', () => {
  it('accepts an http(s) URL with optional event types and description', async () => {
    await expect(
      accepted(CreateWebhookEndpointDto, {
        url: 'https://hooks.example.com/wfp?tenant=1',
        eventTypes: [WorkflowEventType.RunCompleted, WorkflowEventType.RunFailed],
        description: 'ATS sync',
      }),
    ).resolves.toBeInstanceOf(CreateWebhookEndpointDto);
    await expect(accepted(CreateWebhookEndpointDto, { url: 'http://127.0.0.1:4000/hook' })).resolves.toBeInstanceOf(
      CreateWebhookEndpointDto,
    );
  });

  it.each(['ftp://example.com/hook', 'javascript:alert(1)', 'example.com/hook', 'https://', 'http:example.com'])(
    'refuses %s as the url',
    async (url) => {
      const body = await problems(CreateWebhookEndpointDto, { url });
      expect(body.statusCode).toBe(400);
      expect(body.details).toEqual([
        { field: 'url', message: 'url must be an absolute http or https URL, e.g. https://example.com/webhooks' },
      ]);
    },
  );

  it('requires the url and bounds its length', async () => {
    const missing = await problems(CreateWebhookEndpointDto, {});
    expect(missing.details).toEqual([{ field: 'url', message: 'url is required' }]);
    const long = await problems(CreateWebhookEndpointDto, { url: `https://example.com/${'a'.repeat(2048)}` });
    expect(long.details).toEqual([{ field: 'url', message: expect.stringContaining('2048') }]);
  });

  it('names an unknown event type and lists the allowed ones', async () => {
    const body = await problems(CreateWebhookEndpointDto, {
      url: 'https://example.com/hook',
      eventTypes: [WorkflowEventType.RunStarted, 'RUN_EXPLODED'],
    });
    expect(body.details).toHaveLength(1);
    expect(body.details?.[0].field).toBe('eventTypes');
    expect(body.details?.[0].message).toMatch(/^eventTypes has unknown event types \(RUN_EXPLODED\); allowed: /);
    for (const type of ALL_WORKFLOW_EVENT_TYPES) expect(body.details?.[0].message).toContain(type);
  });

  it('refuses a repeated event type, null event types and unknown fields', async () => {
    const repeated = await problems(CreateWebhookEndpointDto, {
      url: 'https://example.com/hook',
      eventTypes: [WorkflowEventType.Published, WorkflowEventType.Published],
    });
    expect(repeated.details).toEqual([
      { field: 'eventTypes', message: 'eventTypes must not list an event type twice' },
    ]);
    const nulled = await problems(CreateWebhookEndpointDto, { url: 'https://example.com/hook', eventTypes: null });
    expect(nulled.details?.[0].field).toBe('eventTypes');
    const unknown = await problems(CreateWebhookEndpointDto, { url: 'https://example.com/hook', secret: 'whsec_x' });
    expect(unknown.details).toEqual([{ field: 'secret', message: 'secret is not allowed' }]);
  });
});

describe('UpdateWebhookEndpointDto', () => {
  it('accepts any one field', async () => {
    for (const change of [
      { url: 'https://example.com/v2' },
      { eventTypes: [] },
      { description: 'renamed' },
      { enabled: false },
    ]) {
      await expect(accepted(UpdateWebhookEndpointDto, change)).resolves.toBeInstanceOf(UpdateWebhookEndpointDto);
    }
  });

  it('refuses an empty body with a 400 naming the body', async () => {
    const expected = [
      {
        field: 'body',
        message: 'body must set at least one of url, eventTypes, description, enabled, rateLimitPerSecond, ordering',
      },
    ];
    expect((await problems(UpdateWebhookEndpointDto, {})).details).toEqual(expected);
    expect((await problems(UpdateWebhookEndpointDto, undefined)).details).toEqual(expected);
  });

  it('checks each given field as create does, and refuses null', async () => {
    const body = await problems(UpdateWebhookEndpointDto, {
      url: 'ws://example.com',
      enabled: 'yes',
      eventTypes: null,
    });
    expect(body.details?.map((detail) => detail.field).sort()).toEqual(['enabled', 'eventTypes', 'url']);
  });

  it('refuses a field named body', async () => {
    const body = await problems(UpdateWebhookEndpointDto, { enabled: true, body: {} });
    expect(body.details).toEqual([{ field: 'body', message: 'body is not allowed' }]);
  });
});

describe('RotateWebhookSecretDto', () => {
  it('takes no body or a grace period from 0 to 7 days', async () => {
    await expect(accepted(RotateWebhookSecretDto, {})).resolves.toBeInstanceOf(RotateWebhookSecretDto);
    await expect(accepted(RotateWebhookSecretDto, { gracePeriodSeconds: 0 })).resolves.toBeInstanceOf(
      RotateWebhookSecretDto,
    );
    const long = await problems(RotateWebhookSecretDto, { gracePeriodSeconds: 7 * 24 * 3600 + 1 });
    expect(long.details).toEqual([
      { field: 'gracePeriodSeconds', message: 'gracePeriodSeconds must be at most 604800 (7 days)' },
    ]);
    const fraction = await problems(RotateWebhookSecretDto, { gracePeriodSeconds: 1.5 });
    expect(fraction.details?.[0].field).toBe('gracePeriodSeconds');
  });
});

describe('RecoverDeliveriesDto', () => {
  it('accepts a past ISO 8601 time', async () => {
    await expect(accepted(RecoverDeliveriesDto, { since: '2024-05-01T00:00:00Z' })).resolves.toBeInstanceOf(
      RecoverDeliveriesDto,
    );
  });

  it('requires since', async () => {
    const body = await problems(RecoverDeliveriesDto, {});
    expect(body.details).toEqual([{ field: 'since', message: 'since is required' }]);
  });

  it('refuses a time that is not ISO 8601', async () => {
    const body = await problems(RecoverDeliveriesDto, { since: 'yesterday' });
    expect(body.details).toEqual([
      { field: 'since', message: 'since must be an ISO 8601 date-time, e.g. 2024-05-01T00:00:00Z' },
    ]);
  });

  it('refuses a time in the future', async () => {
    const tomorrow = new Date(Date.now() + 24 * 3600 * 1000).toISOString();
    const body = await problems(RecoverDeliveriesDto, { since: tomorrow });
    expect(body.details).toEqual([{ field: 'since', message: 'since must not be in the future' }]);
  });
});

describe('ListWebhookDeliveriesQueryDto', () => {
  it('converts the page size and checks the status', async () => {
    await expect(
      accepted(ListWebhookDeliveriesQueryDto, { status: 'FAILED', limit: '10' }, 'query'),
    ).resolves.toMatchObject({ status: 'FAILED', limit: 10 });
    const body = await problems(ListWebhookDeliveriesQueryDto, { status: 'LOST' }, 'query');
    expect(body.details).toEqual([{ field: 'status', message: 'status must be one of PENDING, SUCCEEDED, FAILED' }]);
  });
});
