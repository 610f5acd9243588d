// REST for channels: list, open, read, and end (their messages are messages.ts's). Ends reach
// connected agents over /ws live, exactly as if an agent had sent the frame.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { actingAgent, assertMember } from '../chat/access.js'
import { asAgent } from '../domain/actor.js'
import { isMember } from '../domain/channel.js'
import { Errors } from '../errors.js'
import { CHANNEL_EXAMPLE, EXAMPLE } from '../protocol/examples.js'
import { toChannel } from '../protocol/resources.js'
import { AgentId, Channel, ChannelId, ChannelStatus, Reason, ServiceId } from '../protocol/shapes.js'
import { Cursor, ListLimit, NextCursor, errors, ok } from './common.js'

const Params = Type.Object({ id: ChannelId })
const tags = ['channels']
const ChannelPage = Type.Object(
  { channels: Type.Array(Channel), next_cursor: NextCursor },
  { $id: 'ChannelPage', description: 'A page of channels, oldest first.', examples: [{ channels: [CHANNEL_EXAMPLE], next_cursor: null }] },
)
const NewChannel = Type.Object(
  { provider_id: AgentId, consumer_id: AgentId, service_id: Type.Optional(ServiceId) },
  {
    $id: 'NewChannel',
    description: 'The two agents of the channel, and the service it is for.',
    examples: [{ provider_id: EXAMPLE.provider, consumer_id: EXAMPLE.consumer, service_id: EXAMPLE.service }],
  },
)
const EndChannel = Type.Object(
  { reason: Type.Optional(Reason), ended_by: Type.Optional(AgentId) },
  { $id: 'EndChannel', description: 'Why the channel ends, and (operator only) as whom.', examples: [{ reason: EXAMPLE.reason }] },
)

export const channelRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { store } = app
  const { lifecycle } = app.chat

  app.get(
    '/channels',
    {
      schema: {
        tags,
        operationId: 'listChannels',
        summary: 'List channels, newest last, filtered by agent, service or status',
        description: 'An agent sees only its own channels.',
        querystring: Type.Object({
          agent_id: Type.Optional(AgentId),
          service_id: Type.Optional(ServiceId),
          status: Type.Optional(ChannelStatus),
          limit: ListLimit,
          cursor: Type.Optional(Cursor),
        }),
        response: {
          200: ok('A page of the channels the caller may see that match the filters.', ChannelPage),
          ...errors(400, 401, new Errors.Forbidden(`agent_id comes from your credentials: you are ${EXAMPLE.consumer}`)),
        },
      },
    },
    async (request) => {
      const { limit, cursor, service_id: serviceId, status } = request.query
      const { actor } = request
      const agentId = actor.kind === 'agent' ? actingAgent(actor, request.query.agent_id, 'agent_id') : request.query.agent_id
      const page = await store.channels.list({ agentId, serviceId, status }, limit, cursor)
      return { channels: page.items.map(toChannel), next_cursor: page.next_cursor }
    },
  )

  app.post(
    '/channels',
    {
      schema: {
        tags,
        operationId: 'openChannel',
        summary: 'Open an active channel between a provider and a consumer, or return the one they have',
        description: 'Both agents receive chat_accept over /ws when a channel is created.',
        body: NewChannel,
        response: {
          200: ok('The active channel the two agents already had for this service.', Channel),
          201: ok('The new channel, active.', Channel),
          ...errors(
            400,
            401,
            new Errors.Forbidden('An agent may open only its own channels'),
            new Errors.ServiceNotFound(EXAMPLE.service),
          ),
        },
      },
    },
    async (request, reply) => {
      const { provider_id: providerId, consumer_id: consumerId, service_id: serviceId } = request.body
      const { actor } = request
      if (actor.kind === 'agent' && !isMember({ providerId, consumerId }, actor.agentId)) {
        throw new Errors.Forbidden('An agent may open only its own channels')
      }
      if (serviceId !== undefined && actor.kind === 'agent') {
        if (actor.agentId === providerId) request.grant.assertRegister(serviceId)
        else request.grant.assertRequest(serviceId)
      }
      const { channel, created } = await lifecycle.open(providerId, consumerId, serviceId ?? null)
      return reply.status(created ? 201 : 200).send(toChannel(channel))
    },
  )

  app.get(
    '/channels/:id',
    {
      schema: {
        tags,
        operationId: 'getChannel',
        summary: 'Read a channel',
        params: Params,
        response: { 200: ok('The channel, as it is now.', Channel), ...errors(401, 403, 404) },
      },
    },
    async (request) => toChannel(assertMember(request.actor, await store.channels.get(request.params.id), request.params.id)),
  )

  app.post(
    '/channels/:id/end',
    {
      schema: {
        tags,
        operationId: 'endChannel',
        summary: 'End an active channel',
        description:
          'Both agents receive chat_end over /ws. An agent ends as itself; the operator ends as "admin", or as the agent named in ended_by. The body may be omitted.',
        params: Params,
        body: EndChannel,
        response: { 200: ok('The channel, ended.', Channel), ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const { ended_by: endedBy, reason } = request.body
      const { actor } = request
      const ender = actor.kind === 'admin' && endedBy === undefined ? actor : asAgent(actingAgent(actor, endedBy, 'ended_by'))
      const channel = await lifecycle.end(ender, request.params.id, reason)
      return toChannel(channel)
    },
  )
}
