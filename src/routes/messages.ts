// REST for a channel's messages: history pages by seq cursor, sending as an agent of the
// channel, and (operator only) removing them. A message sent here reaches the other agent over
// /ws live, as if sent there.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyReply } from 'fastify'
import { requireAdmin } from '../auth/credentials.js'
import { actingAgent } from '../chat/access.js'
import { Errors } from '../errors.js'
import { jsonBytesOf } from '../lib/json-bytes.js'
import { inTurn } from '../lib/turns.js'
import { EXAMPLE } from '../protocol/examples.js'
import { AgentId, ChannelId, ClientMsgId, Content, HistoryLimit, HistoryPage, Message, Metadata, Seq } from '../protocol/shapes.js'
import { errors, ok } from './common.js'

const Params = Type.Object({ id: ChannelId })
const tags = ['channels']
const NewMessage = Type.Object(
  {
    sender_id: Type.Optional(AgentId),
    content: Content,
    metadata: Type.Optional(Metadata),
    client_msg_id: Type.Optional(ClientMsgId),
  },
  {
    $id: 'NewMessage',
    description: 'A message to store on the channel and deliver to the other agent.',
    examples: [{ content: EXAMPLE.question, metadata: EXAMPLE.metadata, client_msg_id: EXAMPLE.clientMsgId }],
  },
)

const RemovedMessages = Type.Object(
  {
    channel_id: ChannelId,
    removed: Type.Integer({ minimum: 0, description: 'How many messages were removed.' }),
    first_seq: Type.Integer({ minimum: 1, description: 'Where the channel’s history now starts (its last seq + 1 when no message is left).' }),
  },
  { $id: 'RemovedMessages', description: 'What DELETE /channels/:id/messages removed.', examples: [{ channel_id: EXAMPLE.channel, removed: 1200, first_seq: 1201 }] },
)

/** A page's bytes as the route's serializer writes them, without its strings (lib/json-bytes.ts). */
const pageBytes = jsonBytesOf(HistoryPage)

export const messageRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { messaging } = app.chat
  const { store, retention } = app

  app.get(
    '/channels/:id/messages',
    {
      schema: {
        tags,
        operationId: 'listMessages',
        summary: 'Read history, oldest first within the page',
        description:
          'Without a cursor: the newest `limit` messages. `before_seq`: the page just before that seq. `after_seq`: the page just after it.',
        params: Params,
        querystring: Type.Object({
          limit: HistoryLimit,
          before_seq: Type.Optional(Seq),
          after_seq: Type.Optional(Seq),
        }),
        response: { 200: ok('A page of messages, oldest first.', HistoryPage), ...errors(400, 401, 403, 404) },
      },
    },
    // Units of the event loop's turns (lib/turns.ts): large pages read at once take their turns.
    // Serialising a page is a unit of its own: a page read on PostgreSQL arrives in a later turn,
    // which the reading unit's start no longer accounts for. The route's own serialiser (the same
    // JSON) writes straight into the bytes sent: a page returned as an object became a string that
    // was flattened to be measured, then copied again to be written. A page without metadata is
    // written by pageBytes, the same bytes without the strings the serializer builds on the way.
    async (request, reply) => {
      const page = await inTurn(() => messaging.history(request.actor, { channel_id: request.params.id, ...request.query }))
      const json = await inTurn(() => pageBytes(page) ?? Buffer.from(reply.serializeInput(page, '200', 'application/json') as string))
      // (A typed reply takes the page object only; any reply sends bytes as they are.)
      return (reply as FastifyReply).type('application/json; charset=utf-8').send(json)
    },
  )

  app.post(
    '/channels/:id/messages',
    {
      schema: {
        tags,
        operationId: 'sendMessage',
        summary: 'Send a message as an agent of the channel',
        description:
          'Answers once the message is stored; the other agent receives it over /ws. An agent sends as itself (sender_id may be left out); the operator names sender_id. A repeated client_msg_id returns the original message with status 200.',
        params: Params,
        body: NewMessage,
        response: {
          200: ok('A message with this client_msg_id was already stored: the original, nothing stored again.', Message),
          201: ok('The message, stored.', Message),
          ...errors(400, 401, 403, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const { sender_id: claimed, ...input } = request.body
      const senderId = actingAgent(request.actor, claimed, 'sender_id')
      const stored = await messaging.send(senderId, { ...input, channel_id: request.params.id })
      return reply.status(stored.duplicate ? 200 : 201).send(stored.message)
    },
  )

  app.delete(
    '/channels/:id/messages',
    {
      schema: {
        tags,
        operationId: 'deleteMessages',
        summary: 'Remove a channel’s messages (operator only)',
        description:
          'Removes the messages below `before_seq` (all of them without it), in small batches. Seqs are never reused: history pages then carry `first_seq`, where history starts.',
        params: Params,
        querystring: Type.Object({ before_seq: Type.Optional(Seq) }),
        response: {
          200: ok('What was removed, and where history now starts.', RemovedMessages),
          ...errors(400, 401, new Errors.Forbidden('Only the operator may do this'), 404),
        },
      },
    },
    async (request) => {
      requireAdmin(request.actor)
      const channelId = request.params.id
      const channel = await store.channels.get(channelId)
      if (!channel) throw new Errors.ChannelNotFound(channelId)
      const removed = await retention.removeFromChannel(channelId, request.query.before_seq ?? channel.lastSeq + 1)
      return { channel_id: channelId, removed, first_seq: await store.messages.retention.firstSeq(channelId) }
    },
  )
}
