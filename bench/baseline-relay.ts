// The baseline: a bare `ws` relay with no persistence, speaking just enough of the hub's
// protocol for the benchmark's workload (welcome, chat_message → peer, ack → sender). What the
// hub adds on top of this — validation, storage, ordering, durability — is what the ratios show.
import { createServer } from 'node:http'
import { WebSocketServer, type WebSocket } from 'ws'

const port = Number(process.env.PORT ?? 8766)
const agents = new Map<string, WebSocket>()
const seqs = new Map<string, number>()

const server = createServer((request, response) => {
  response.writeHead(request.url === '/healthz' ? 200 : 404, { 'content-type': 'application/json' })
  response.end('{"status":"ok"}')
})
const wss = new WebSocketServer({ server, path: '/ws' })

wss.on('connection', (socket, request) => {
  const agentId = new URL(request.url ?? '', 'http://x').searchParams.get('agent_id') ?? ''
  agents.set(agentId, socket)
  socket.send(JSON.stringify({ type: 'welcome', agent_id: agentId }))
  socket.on('message', (data: Buffer) => {
    const frame = JSON.parse(data.toString()) as { type: string; target_agent: string; channel_id: string; content: string; request_id?: unknown }
    if (frame.type !== 'chat_message') return
    const seq = (seqs.get(frame.channel_id) ?? 0) + 1
    seqs.set(frame.channel_id, seq)
    const timestamp = new Date().toISOString()
    agents.get(frame.target_agent)?.send(
      JSON.stringify({ type: 'chat_message', channel_id: frame.channel_id, sender_id: agentId, content: frame.content, seq, timestamp }),
    )
    socket.send(JSON.stringify({ type: 'ack', channel_id: frame.channel_id, seq, timestamp, request_id: frame.request_id }))
  })
  socket.on('close', () => agents.get(agentId) === socket && agents.delete(agentId))
})

server.listen(port, '127.0.0.1')
process.on('SIGTERM', () => server.close(() => process.exit(0)))
