import { HttpException, HttpStatus } from '@nestjs/common';

/** One problem with a request, named by its field path (e.g. `definition.nodes[2].type`). */
export interface ErrorDetail {
  field?: string;
  nodeId?: string | null;
  message: string;
}

/** The body of every error response: `{ statusCode, error, message, details? }`. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: ErrorDetail[];
}

export function errorBody(status: number, message: string, details?: ErrorDetail[]): ErrorBody {
  const error = HttpStatus[status]
    ? HttpStatus[status]
        .toLowerCase()
        .split('_')
        .map((word) => word[0].toUpperCase() + word.slice(1))
        .join(' ')
    : 'Error';
  return details && details.length > 0
    ? { statusCode: status, error, message, details }
    : { statusCode: status, error, message };
}

/** Throw from services and controllers; the filter renders it as the standard error body. */
export class ApiError extends HttpException {
  constructor(status: number, message: string, details?: ErrorDetail[]) {
    super(errorBody(status, message, details), status);
  }

  static badRequest(message: string, details?: ErrorDetail[]) {
    return new ApiError(HttpStatus.BAD_REQUEST, message, details);
  }

  static notFound(what: string) {
    return new ApiError(HttpStatus.NOT_FOUND, `${what} not found`);
  }

  static conflict(message: string, details?: ErrorDetail[]) {
    return new ApiError(HttpStatus.CONFLICT, message, details);
  }

  static unprocessable(message: string, details?: ErrorDetail[]) {
    return new ApiError(HttpStatus.UNPROCESSABLE_ENTITY, message, details);
  }

  static serviceUnavailable(message: string) {
    return new ApiError(HttpStatus.SERVICE_UNAVAILABLE, message);
  }
}
