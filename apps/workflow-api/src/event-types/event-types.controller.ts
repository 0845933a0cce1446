import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ApiKeyAuth } from '@wfp/api-access';
import { WEBHOOK_ENVELOPE_SCHEMA, WORKFLOW_EVENT_TYPES_CATALOGUE, type JsonSchema } from '@wfp/contracts';

class EventTypeDto {
  @ApiProperty({ example: 'WORKFLOW_RUN_COMPLETED' })
  event!: string;

  @ApiProperty()
  description!: string;

  @ApiProperty({ description: 'What `data.recordId` identifies', example: 'Workflow run ID' })
  recordId!: string;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'JSON Schema (2020-12) of `data`' })
  schema!: JsonSchema;
}

class EventTypesDto {
  @ApiProperty({ type: [EventTypeDto] })
  data!: EventTypeDto[];

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'JSON Schema of the delivery envelope' })
  envelope!: JsonSchema;
}

@ApiTags('events')
@ApiKeyAuth()
@Controller('v1/event-types')
export class EventTypesController {
  @Get()
  @ApiOperation({ summary: 'Every event the platform emits, with a JSON Schema of its payload' })
  @ApiOkResponse({ type: EventTypesDto })
  list(): EventTypesDto {
    return { data: [...WORKFLOW_EVENT_TYPES_CATALOGUE], envelope: WEBHOOK_ENVELOPE_SCHEMA };
  }
}
