// REST for a channel's messages: history pages by seq cursor, and sending as an agent of the
// channel. A message sent here reaches the other agent over /ws live, as if sent there.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { actingAgent } from '../chat/access.js'
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

export const messageRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { messaging } = app.chat

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
    async (request) => messaging.history(request.actor, { channel_id: request.params.id, ...request.query }),
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
}
