// One JSON error shape for every REST failure: {error: {code, message}} with the right status.
// Failures of the hub itself are logged with the request and shown to clients as a bare 500.
import fp from 'fastify-plugin'
import type { FastifyError } from 'fastify'
import { Type } from '@sinclair/typebox'
import { Errors, isHubError } from '../errors.js'
import { EXAMPLE, errorOf } from '../protocol/examples.js'

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable UPPER_SNAKE code to branch on (see docs/protocol.md, Error codes).' }),
      message: Type.String({ description: 'What went wrong, for people.' }),
    }),
  },
  {
    $id: 'Error',
    description: 'Every error has this shape.',
    examples: [{ error: errorOf(new Errors.ChannelNotFound(EXAMPLE.channel)) }],
  },
)

/** Codes for Fastify's own errors, by status. */
const CODES_BY_STATUS: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
}

export const errorsPlugin = fp(
  async (app) => {
    app.setErrorHandler((failure: FastifyError, request, reply) => {
      if (failure.validation || failure.code === 'FST_ERR_VALIDATION') {
        return reply.status(400).send({ error: { code: 'INVALID_REQUEST', message: failure.message } })
      }
      // The storage's condition (registered after this plugin, so looked up per failure) is a 503, logged once per episode.
      const error = (app.hasDecorator('store') ? (app.store.health.refusal(failure) as FastifyError | undefined) : undefined) ?? failure
      const status = error.statusCode ?? 500
      if (isHubError(error)) {
        if (error.retryAfterMs !== undefined) void reply.header('retry-after', Math.max(1, Math.ceil(error.retryAfterMs / 1000)))
        return reply.status(status).send({ error: { code: error.code, message: error.message } })
      }
      if (status >= 500) {
        request.log.error({ err: error }, 'request failed')
        return reply.status(500).send({ error: { code: 'INTERNAL_ERROR', message: 'Internal error' } })
      }
      return reply.status(status).send({ error: { code: CODES_BY_STATUS[status] ?? 'BAD_REQUEST', message: error.message } })
    })
    app.setNotFoundHandler((request, reply) =>
      reply.status(404).send({ error: { code: 'NOT_FOUND', message: `No route ${request.method} ${request.url}` } }),
    )
  },
  { name: 'errors' },
)
