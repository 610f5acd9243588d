// What a request presents as credentials (its bearer token, the agent it names), and the one
// check that only the operator passes.
import type { FastifyRequest } from 'fastify'
import type { Actor } from '../domain/actor.js'
import { Errors } from '../errors.js'

/** The bearer token of a request, if it has one. */
export function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  return header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined
}

/** The X-Agent-Id header of a request (its first value, if repeated). */
export function agentIdHeaderOf(request: FastifyRequest): string | undefined {
  const header = request.headers['x-agent-id']
  return Array.isArray(header) ? header[0] : header
}

/** Throws FORBIDDEN unless the operator is calling. */
export function requireAdmin(actor: Actor): void {
  if (actor.kind !== 'admin') throw new Errors.Forbidden('Only the operator may do this')
}
