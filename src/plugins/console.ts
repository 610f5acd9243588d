// The operator's console at /console: a server-rendered page and a small script (no build step:
// the page reads the REST API the operator already has, with the operator's credentials), and
// its live stream at /console/events (Server-Sent Events, operator only). The page and its
// assets carry no data, so they are public; everything they show comes from authenticated calls.
import { readFileSync } from 'node:fs'
import fp from 'fastify-plugin'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { requireAdmin } from '../auth/credentials.js'
import { Errors } from '../errors.js'
import { EventStream } from '../console/event-stream.js'
import { ChannelId } from '../protocol/shapes.js'
import { errors } from '../routes/common.js'

const ASSETS = new URL('../console/assets/', import.meta.url)
const asset = (name: string) => readFileSync(new URL(name, ASSETS), 'utf8')
const FILES = {
  '/console': { type: 'text/html; charset=utf-8', body: asset('console.html') },
  '/console/app.js': { type: 'text/javascript; charset=utf-8', body: asset('console.js') },
  '/console/app.css': { type: 'text/css; charset=utf-8', body: asset('console.css') },
}

export const consolePlugin = fp(
  async (app) => {
    for (const [url, file] of Object.entries(FILES)) {
      app.get(url, { schema: { hide: true } }, async (_request, reply) => reply.type(file.type).header('cache-control', 'no-cache').send(file.body))
    }

    const streams = new Set<EventStream>()
    app.withTypeProvider<TypeBoxTypeProvider>().get(
      '/console/events',
      {
        schema: {
          tags: ['operations'],
          operationId: 'consoleEvents',
          summary: 'Live events of this instance for the console (operator only), as Server-Sent Events',
          description:
            'Events: `presence` (an agent connected or closed here), `channel` (a channel changed), `message` (a message was stored), `resync` (events were dropped: read the lists again).',
          querystring: Type.Object({ channel_id: Type.Optional(ChannelId) }),
          produces: ['text/event-stream'],
          response: {
            200: { description: 'The stream: `event: <name>` and `data: <JSON>` per event.', content: { 'text/event-stream': { schema: Type.String() } } },
            ...errors(401, new Errors.Forbidden('Only the operator may do this')),
          },
        },
      },
      async (request, reply) => {
        requireAdmin(request.actor)
        reply.hijack()
        const stream = new EventStream(reply.raw, app.events, { channelId: request.query.channel_id })
        streams.add(stream)
        void stream.ended.then(() => streams.delete(stream))
      },
    )
    // Open streams would hold the server open: they end first.
    app.addHook('preClose', async () => {
      for (const stream of streams) stream.end()
    })
  },
  { name: 'console', dependencies: ['auth', 'events'] },
)
