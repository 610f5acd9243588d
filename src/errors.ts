// Named errors with stable codes (UPPER_SNAKE, as @fastify/error writes them). REST answers them as {error: {code, message}} with their
// status; /ws answers them as {type: 'error', code, message, request_id}.
import createError, { type FastifyErrorConstructor } from '@fastify/error'

const named = (code: string, message: string, status: number) => createError(code, message, status)

export const Errors = {
  InvalidJson: named('INVALID_JSON', 'Frame is not valid JSON: %s', 400),
  UnknownType: named('UNKNOWN_TYPE', 'Unknown frame type %s', 400),
  InvalidFrame: named('INVALID_FRAME', 'Invalid %s frame: %s', 400),
  FrameTooLarge: named('FRAME_TOO_LARGE', 'Frame of %s bytes exceeds the limit of %s bytes', 413),
  BadRequest: named('BAD_REQUEST', '%s', 400),
  Unauthorized: named('UNAUTHORIZED', '%s', 401),
  Forbidden: named('FORBIDDEN', '%s', 403),
  NotFound: named('NOT_FOUND', '%s', 404),
  ChannelNotFound: named('CHANNEL_NOT_FOUND', 'Channel %s does not exist', 404),
  ServiceNotFound: named('SERVICE_NOT_FOUND', 'Service %s does not exist', 404),
  RequestNotFound: named('REQUEST_NOT_FOUND', '%s', 404),
  AgentHasKey: named('AGENT_HAS_KEY', 'Agent %s already has an API key; rotate it instead', 409),
  ServiceTaken: named('SERVICE_TAKEN', 'Service %s is registered by another provider', 409),
  ChannelNotActive: named('CHANNEL_NOT_ACTIVE', 'Channel %s is %s, not active', 409),
  ChannelNotPending: named('CHANNEL_NOT_PENDING', 'Channel %s is %s, not pending', 409),
  InvalidState: named('INVALID_STATE', '%s', 409),
  OriginNotAllowed: named('ORIGIN_NOT_ALLOWED', 'Origin %s may not open /ws (see WS_ALLOWED_ORIGINS)', 403),
  RateLimited: named('RATE_LIMITED', '%s', 429),
  TooManyConnections: named('TOO_MANY_CONNECTIONS', 'Agent %s already holds %s connections, the most allowed', 429),
  TooManyFromAddress: named('TOO_MANY_CONNECTIONS_FROM_ADDRESS', 'Address %s already holds %s connections, the most allowed', 429),
  TooManyPending: named('TOO_MANY_PENDING', '%s has %s chat requests waiting for an answer, the most allowed', 429),
  Unavailable: named('UNAVAILABLE', '%s', 503),
  Undeliverable: named('MESSAGE_UNDELIVERABLE', 'Message seq %s of channel %s cannot be serialised; skipped', 500),
  Internal: named('INTERNAL_ERROR', 'Internal error', 500),
} satisfies Record<string, FastifyErrorConstructor>

export interface HubError extends Error {
  code: string
  statusCode: number
  /** With RATE_LIMITED and UNAVAILABLE: when to try again (error frames' retry_after_ms, REST's Retry-After). */
  retryAfterMs?: number
}

/** A refusal to retry after `retryAfterMs`: nothing was applied. */
export function retryable<E extends Error>(error: E, retryAfterMs: number): E & { retryAfterMs: number } {
  return Object.assign(error, { retryAfterMs: Math.max(0, Math.round(retryAfterMs)) })
}

const HUB_CODES = new Set<unknown>(Object.values(Errors).map((E) => new E().code))

/** True for errors the hub raised on purpose (safe to show to clients, whatever their status). */
export function isHubError(error: unknown): error is HubError {
  return error instanceof Error && HUB_CODES.has((error as Partial<HubError>).code)
}
