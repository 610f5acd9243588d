// What a request presents as credentials (its bearer token, the agent it names, and at a /ws
// upgrade the query's api_key and agent_id), and the one check that only the operator passes.
import type { FastifyRequest } from 'fastify'
import { Value } from '@sinclair/typebox/value'
import type { Actor } from '../domain/actor.js'
import { Errors } from '../errors.js'
import { AgentId } from '../protocol/shapes.js'
import type { Presented } from './authenticator.js'

/** The bearer token of a request, if it has one. */
export function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  return header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined
}

/** An agent id a request names, checked against the id pattern. */
export function agentIdFrom(value: string | string[] | undefined, name: string): string | undefined {
  const id = Array.isArray(value) ? value[0] : value
  if (id === undefined || id === '') return undefined
  if (!Value.Check(AgentId, id)) throw new Errors.BadRequest(`${name} must be 1–128 characters of [A-Za-z0-9._:-]`)
  return id
}

/** What a /ws upgrade presents: a bearer header or api_key, and agent_id or X-Agent-Id. */
export function presentedAtUpgrade(request: FastifyRequest, query: { agent_id?: string | undefined; api_key?: string | undefined }): Presented {
  const fromQuery = agentIdFrom(query.agent_id, 'agent_id')
  const fromHeader = agentIdFrom(request.headers['x-agent-id'], 'X-Agent-Id')
  if (fromQuery !== undefined && fromHeader !== undefined && fromQuery !== fromHeader) {
    throw new Errors.BadRequest('agent_id and X-Agent-Id name different agents')
  }
  const apiKey = query.api_key === '' ? undefined : query.api_key
  return { credential: bearerOf(request) ?? apiKey, agentId: fromQuery ?? fromHeader, ip: request.ip }
}

/** Throws FORBIDDEN unless the operator is calling. */
export function requireAdmin(actor: Actor): void {
  if (actor.kind !== 'admin') throw new Errors.Forbidden('Only the operator may do this')
}
