/**
 * How a failure leaves the HTTP API: one JSON shape `{"error":{"code","message","request_id"}}` for every error,
 * the status chosen from the CiftError code, and never a stack trace or an internal message on a 500 (those go
 * to the log with the request id, so an operator can find them from what the client saw).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isCiftError, type CiftErrorCode } from '../errors.js';

/** HTTP status per CiftError code. A code not listed is a server fault: 500 with a generic message. */
export const STATUS_OF_CODE: Partial<Record<CiftErrorCode, number>> = {
  USAGE: 400,
  INPUT_INVALID: 400,
  UNKNOWN_FEATURE: 400,
  UNKNOWN_STRATEGY: 400,
  UNKNOWN_PARAM: 400,
  UNKNOWN_SYMBOL: 404,
  UNKNOWN_ACCOUNT: 404,
  UNKNOWN_SOURCE: 404,
  ORDER_NOT_FOUND: 404,
  POSITION_NOT_FOUND: 404,
  KEY_NOT_FOUND: 404,
  // A missing, unknown or revoked API key; a key acting outside its account; too many requests for one key.
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  // NO_DATA: the symbol exists but there is nothing of what was asked (a kind, an origin, a range).
  NO_DATA: 404,
  ACCOUNT_EXISTS: 409,
  IDEMPOTENCY_CONFLICT: 409,
  ORDER_NOT_CANCELABLE: 409,
  SOURCE_CONFLICT: 409,
  ORDER_REJECTED: 422,
  STRATEGY_ERROR: 422,
  LOOKAHEAD: 422,
  // Another process holds the embedded ledger, or a store server is down: the service, not the request, is the problem.
  LEDGER_LOCKED: 503,
  STORE_UNAVAILABLE: 503,
};

export interface ErrorBody {
  error: { code: string; message: string; hint?: string; request_id: string };
}

export function errorBody(request: FastifyRequest, code: string, message: string, hint?: string): ErrorBody {
  return { error: { code, message, ...(hint ? { hint } : {}), request_id: String(request.id) } };
}

/** "querystring.interval: …" for each failing field, so the client knows which one to fix. */
function validationMessage(error: FastifyError): string {
  const where = error.validationContext ?? 'request';
  const issues = (error.validation ?? []).map((v) => {
    const field = (v.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
    const params = v.params as { issue?: { path?: PropertyKey[] } } | undefined;
    const path = field || params?.issue?.path?.map(String).join('.') || '';
    return `${where}${path ? `.${path}` : ''}: ${v.message ?? 'invalid'}`;
  });
  return issues.length ? issues.join('; ') : error.message;
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (hasZodFastifySchemaValidationErrors(error) || error.validation) {
      return reply.status(400).send(errorBody(request, 'INPUT_INVALID', validationMessage(error)));
    }
    if (isCiftError(error)) {
      const status = STATUS_OF_CODE[error.code];
      if (status !== undefined) return reply.status(status).send(errorBody(request, error.code, error.message, error.hint));
    }
    // Fastify's own client errors (malformed JSON, body too large, bad content type) carry a 4xx statusCode.
    const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
    if (status === 413) return reply.status(413).send(errorBody(request, 'PAYLOAD_TOO_LARGE', 'request body is too large'));
    if (status >= 400 && status < 500) return reply.status(status).send(errorBody(request, 'INPUT_INVALID', error.message.split('\n')[0]));
    request.log.error({ err: error, request_id: request.id }, 'unexpected error');
    return reply.status(500).send(errorBody(request, 'INTERNAL', 'internal error'));
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send(errorBody(request, 'NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`));
  });
}
