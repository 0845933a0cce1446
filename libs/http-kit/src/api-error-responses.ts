import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';

export class ErrorDetailDto {
  @ApiPropertyOptional({ example: 'definition.nodes[0].type' })
  field?: string;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'screen' })
  nodeId?: string | null;

  @ApiProperty({ example: 'definition.nodes[0].type must be one of screeningOutreach, …' })
  message!: string;
}

export class ErrorBodyDto {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({ example: 'Bad Request' })
  error!: string;

  @ApiProperty({ example: 'name must be a string' })
  message!: string;

  @ApiPropertyOptional({ type: [ErrorDetailDto] })
  details?: ErrorDetailDto[];
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: the message and details name each bad field',
  401: 'Missing or invalid credentials',
  404: 'Not found (or owned by another organization)',
  409: 'Conflicts with the current state',
  413: 'Request body too large',
  422: 'Valid JSON that cannot be processed: details list each problem',
  429: 'Rate limited: retry after the Retry-After header',
  503: 'A service this request needs is unavailable',
};

/** Documents the standard error body for the given statuses. */
export function ApiErrorResponses(...statuses: number[]) {
  return applyDecorators(
    ...statuses.map((status) => ApiResponse({ status, description: DESCRIPTIONS[status], type: ErrorBodyDto })),
  );
}
