import { Catch, HttpException, HttpStatus, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { errorBody, type ErrorBody } from './api-error';

/** Errors raised by body-parser before Nest routes the request (bad JSON, too large). */
interface BodyParserError {
  status?: number;
  statusCode?: number;
  type?: string;
  expose?: boolean;
}

function fromBodyParser(exception: unknown): ErrorBody | null {
  if (typeof exception !== 'object' || exception === null) return null;
  const candidate = exception as BodyParserError;
  if (typeof candidate.type !== 'string' || !candidate.expose) return null;
  const status = candidate.status ?? candidate.statusCode ?? HttpStatus.BAD_REQUEST;
  const messages: Record<string, string> = {
    'entity.too.large': 'Request body is larger than the allowed limit',
    'entity.parse.failed': 'Request body is not valid JSON',
    'encoding.unsupported': 'Request body encoding is not supported',
    'charset.unsupported': 'Request body charset is not supported',
  };
  return errorBody(status, messages[candidate.type] ?? 'Request body could not be read');
}

/**
 * Renders every error as `{ statusCode, error, message, details? }`. Anything that is not a
 * deliberate HTTP error becomes a plain 500: stack traces and raw internal messages are logged,
 * never sent.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const body = this.toBody(exception);
    if (body.statusCode >= 500) {
      this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    }
    if (response.headersSent) return;
    response.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown): ErrorBody {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      if (typeof response === 'object' && response !== null) {
        const candidate = response as { message?: unknown; details?: ErrorBody['details'] };
        if (typeof candidate.message === 'string') return errorBody(status, candidate.message, candidate.details);
        if (Array.isArray(candidate.message)) return errorBody(status, candidate.message.map(String).join('; '));
      }
      return errorBody(status, typeof response === 'string' ? response : exception.message);
    }
    return fromBodyParser(exception) ?? errorBody(HttpStatus.INTERNAL_SERVER_ERROR, 'Internal server error');
  }
}
