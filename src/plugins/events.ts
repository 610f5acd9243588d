// The instance's live events (observe/events.ts) as app.events: the /ws side tells connections,
// the chat layer channel changes and committed messages; the console streams them.
import fp from 'fastify-plugin'
import { HubEvents } from '../observe/events.js'

declare module 'fastify' {
  interface FastifyInstance {
    events: HubEvents
  }
}

export const eventsPlugin = fp(
  async (app) => {
    app.decorate('events', new HubEvents())
  },
  { name: 'events' },
)
