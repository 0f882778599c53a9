// Expected failures. Each carries the public error code of the API contract; the GraphQL layer
// and the HTTP endpoints map these (and only these) to client-visible errors.

export const ERROR_CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'INVALID_TRANSITION',
  'RATE_LIMITED',
  'INTERNAL',
] as const;
export type AppErrorCode = (typeof ERROR_CODES)[number];

const HTTP_STATUS: Record<AppErrorCode, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  BAD_USER_INPUT: 400,
  INVALID_TRANSITION: 409,
  RATE_LIMITED: 429,
  INTERNAL: 500,
};

export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: AppErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }

  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }
}

export class NotFoundError extends AppError {
  constructor(what: string, id?: string) {
    super('NOT_FOUND', id === undefined ? `${what} not found` : `${what} ${id} not found`);
  }
}

export class BadInputError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('BAD_USER_INPUT', message, details);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'This API key is not allowed to do that') {
    super('FORBIDDEN', message);
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message = 'A valid API key is required') {
    super('UNAUTHENTICATED', message);
  }
}

export class RateLimitedError extends AppError {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super('RATE_LIMITED', message, { retryAfterSeconds });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export class InvalidTransitionError extends AppError {
  readonly from: string;
  readonly to: string;
  constructor(subject: string, action: string, from: string, to: string) {
    super('INVALID_TRANSITION', `Cannot ${action} ${subject}: ${from} → ${to} is not a valid transition`, { from, to, action });
    this.from = from;
    this.to = to;
  }
}
