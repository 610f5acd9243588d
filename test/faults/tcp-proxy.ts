// A TCP proxy the test controls, between the hub and its database: frozen, it stops forwarding in
// both directions and accepts new connections without answering them, the way a hung server or
// a partitioned network looks from the hub; thawed, everything held goes through.
import { createServer, connect, type Server, type Socket } from 'node:net'
import { freshPort } from '../helpers/process.js'

export interface TcpProxy {
  port: number
  freeze(): void
  thaw(): void
  close(): Promise<void>
}

export async function tcpProxy(targetPort: number): Promise<TcpProxy> {
  const port = Number(freshPort())
  const sockets = new Set<Socket>()
  /** Data held while frozen, per destination, in order. */
  const held = new Map<Socket, Buffer[]>()
  let frozen = false
  const forward = (from: Socket, to: Socket) =>
    from.on('data', (chunk: Buffer) => {
      if (frozen) held.set(to, [...(held.get(to) ?? []), chunk])
      else to.write(chunk)
    })
  const server: Server = createServer((inbound) => {
    const outbound = connect(targetPort, '127.0.0.1')
    for (const socket of [inbound, outbound]) {
      sockets.add(socket)
      socket.on('error', () => undefined)
      socket.on('close', () => {
        sockets.delete(socket)
        held.delete(socket)
        inbound.destroy()
        outbound.destroy()
      })
    }
    forward(inbound, outbound)
    forward(outbound, inbound)
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    port,
    freeze: () => {
      frozen = true
    },
    thaw: () => {
      frozen = false
      for (const [to, chunks] of held) for (const chunk of chunks) to.write(chunk)
      held.clear()
    },
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
