// One log line when a /ws connection opens and one when it closes (agent, address, close code,
// duration, frames in and out: never a credential), and the same two facts for the console's
// live view (observe/events.ts).
import type { FastifyBaseLogger } from 'fastify'
import type { WebSocket } from 'ws'
import type { HubEvents } from '../observe/events.js'
import type { Connection } from './connection.js'

export interface ConnectionSeen {
  connection: Connection
  socket: WebSocket
  address: string
  log: FastifyBaseLogger
  events: HubEvents
  /** The agent's connections on this instance, now. */
  connections: () => number
}

export function logConnection({ connection, socket, address, log, events, connections }: ConnectionSeen): void {
  const { agentId, id } = connection
  const opened = performance.now()
  let framesIn = 0
  socket.on('message', () => framesIn++)
  socket.once('close', (code: number) => {
    log.info(
      {
        agent_id: agentId,
        connection_id: id,
        address,
        code,
        duration_ms: Math.round(performance.now() - opened),
        frames_in: framesIn,
        frames_out: connection.framesOut,
      },
      'ws closed',
    )
    events.emit({ kind: 'presence', agent_id: agentId, change: 'closed', connections: connections() })
  })
  log.info({ agent_id: agentId, connection_id: id, address }, 'ws connected')
  events.emit({ kind: 'presence', agent_id: agentId, change: 'connected', connections: connections() })
}
