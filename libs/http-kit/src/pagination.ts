import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { parseCursor, type CursorPosition } from '@wfp/contracts';
import { ApiError } from './api-error';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** `?limit=&cursor=`: the cursor is opaque to callers; pass back `nextCursor` to continue. */
export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })
  @IsOptional()
  @Type(() => Number)
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  @IsInt()
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @MaxLength(512)
  @IsString()
  cursor?: string;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/** Decodes a cursor made by encodeCursor; anything else is a 400 naming `cursor`. */
export function decodeCursor<T extends CursorPosition>(
  cursor: string,
  isPosition: (value: Record<string, unknown>) => value is T,
): T {
  const position = parseCursor(cursor, isPosition);
  if (position) return position;
  throw ApiError.badRequest('cursor is not a cursor returned by this API', [
    { field: 'cursor', message: 'cursor is invalid' },
  ]);
}
