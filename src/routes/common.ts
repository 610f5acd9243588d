// Schemas shared by the REST routes: list pages, cursors, and the documented responses (success
// and error) each route declares, so that the OpenAPI document describes every status it can answer.
import { Type, type TSchema } from '@sinclair/typebox'
import { Errors, type HubError } from '../errors.js'
import { ErrorResponse } from '../plugins/errors.js'
import { EXAMPLE, errorOf } from '../protocol/examples.js'

export const ListLimit = Type.Integer({ minimum: 1, maximum: 200, default: 50, description: 'Page size, at most 200.' })
export const Cursor = Type.String({ minLength: 1, maxLength: 200, description: 'next_cursor of the previous page.' })
export const NextCursor = Type.Union([Type.String(), Type.Null()], { description: 'Pass as cursor for the next page; null on the last.' })

/** A success response: what it means, and its schema. */
export const ok = <T extends TSchema>(description: string, schema: T) => ({
  description,
  content: { 'application/json': { schema } },
})

type ErrorBody = ReturnType<typeof errorOf>

/** What each error status means on this API, with the error a caller most often meets there. */
const ERROR_STATUSES: Record<number, { description: string; example: ErrorBody }> = {
  400: {
    description: 'The request breaks its schema (INVALID_REQUEST), its body is not JSON (INVALID_JSON), or it asks for something impossible (BAD_REQUEST).',
    example: { code: 'INVALID_REQUEST', message: 'body.content: Expected string length greater or equal to 1' },
  },
  401: {
    description: 'No valid credentials: a missing, wrong or revoked API key, or a wrong admin token.',
    example: errorOf(new Errors.Unauthorized(`Missing or wrong API key for ${EXAMPLE.consumer}`)),
  },
  403: {
    description: "The caller may not do this: another agent's channel or identity, or an operator-only route.",
    example: errorOf(new Errors.Forbidden(`Not a member of channel ${EXAMPLE.channel}`)),
  },
  404: { description: 'What the request names does not exist.', example: errorOf(new Errors.ChannelNotFound(EXAMPLE.channel)) },
  409: {
    description: 'What the request names is not in a state that allows it.',
    example: errorOf(new Errors.ChannelNotActive(EXAMPLE.channel, 'ended')),
  },
  429: {
    description: 'Too many requests from this address (RATE_LIMITED): retry after the Retry-After header (seconds).',
    example: errorOf(new Errors.RateLimited('More than 1200 requests a minute from this address; retry in 1 minute')),
  },
  503: {
    description:
      'The hub is shutting down, cannot reach its database, or its storage is full or read-only (UNAVAILABLE): nothing was applied; retry after the Retry-After header (seconds), on this or another instance.',
    example: errorOf(new Errors.Unavailable('The hub is shutting down; connect again shortly')),
  },
}

/**
 * Error responses, each with the Error schema, its meaning and examples. Give a status, or the
 * errors a route raises (their statuses come from them, and they are the examples shown).
 */
export function errors(...answers: Array<number | HubError>): Record<number, ReturnType<typeof errorResponse>> {
  const byStatus = new Map<number, HubError[]>()
  for (const answer of answers) {
    const status = typeof answer === 'number' ? answer : answer.statusCode
    const listed = byStatus.get(status) ?? []
    if (typeof answer !== 'number') listed.push(answer)
    byStatus.set(status, listed)
  }
  return Object.fromEntries([...byStatus].map(([status, raised]) => [status, errorResponse(status, raised)]))
}

/** An error response with its own description, and the errors it stands for as examples. */
export function refusal(description: string, ...raised: [HubError, ...HubError[]]) {
  return errorResponse(raised[0].statusCode, raised, description)
}

function errorResponse(status: number, raised: HubError[], description?: string) {
  const known = ERROR_STATUSES[status]
  if (!known) throw new Error(`No description for HTTP ${status}: add it to ERROR_STATUSES`)
  const shown = raised.length > 0 ? raised.map(errorOf) : [known.example]
  return {
    description: description ?? known.description,
    content: {
      'application/json': {
        schema: ErrorResponse,
        examples: Object.fromEntries(shown.map((error) => [error.code, { value: { error } }])),
      },
    },
  }
}
