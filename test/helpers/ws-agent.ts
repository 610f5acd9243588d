// A raw WebSocket agent for protocol tests: sends frames as written and waits for the frames
// it expects, with nothing of the ChatClient in between. What it receives is typed with the
// protocol's own hub → agent frames.
import WebSocket, { type ClientOptions } from 'ws'
import type { ErrorFrame, HubFrame } from '../../src/protocol/frames.js'

export type Frame = HubFrame
export type FrameType = HubFrame['type']
export type FrameOf<T extends FrameType> = Extract<HubFrame, { type: T }>

export class WsAgent {
  readonly frames: Frame[] = []
  private waiters: { match: (frame: Frame) => boolean; resolve: (frame: Frame) => void; reject: (error: Error) => void }[] = []
  closed: { code: number; reason: string } | undefined
  /** The hub's welcome frame. */
  welcome: Frame | undefined
  private constructor(
    readonly socket: WebSocket,
    readonly agentId: string,
  ) {
    socket.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString('utf8')) as Frame
      this.frames.push(frame)
      this.waiters = this.waiters.filter((waiter) => (waiter.match(frame) ? (waiter.resolve(frame), false) : true))
    })
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() }
      // Nothing more will arrive: waiting any longer would only time out.
      for (const waiter of this.waiters.splice(0)) waiter.reject(new Error(`socket closed (${code}) while waiting`))
    })
  }

  /** Connects as agent_id and waits for the welcome frame. */
  static async connect(wsUrl: string, agentId: string, query = '', options: ClientOptions = {}): Promise<WsAgent> {
    const socket = new WebSocket(`${wsUrl}/ws?agent_id=${encodeURIComponent(agentId)}${query}`, options)
    const agent = new WsAgent(socket, agentId)
    agent.welcome = await agent.next('welcome')
    return agent
  }

  /** Connects with whatever query and headers are given (no agent_id added) and waits for the welcome. */
  static async connectAs(wsUrl: string, query = '', options: ClientOptions = {}): Promise<WsAgent> {
    const socket = new WebSocket(`${wsUrl}/ws${query}`, options)
    const agent = new WsAgent(socket, '')
    agent.welcome = await agent.next('welcome')
    ;(agent as { agentId: string }).agentId = agent.welcome.agent_id
    return agent
  }

  /** Sends a frame as written: anything, raw text too, so that refusals can be tested. */
  send(frame: Record<string, unknown> | string): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }

  /** The first frame of the type received (from now on, or already) that matches. */
  next<T extends FrameType>(type: T, where: (frame: FrameOf<T>) => boolean = () => true, timeoutMs = 10_000): Promise<FrameOf<T>> {
    const match = (frame: Frame): frame is FrameOf<T> => frame.type === type && where(frame as FrameOf<T>)
    const seen = this.frames.find(match)
    if (seen) {
      this.frames.splice(this.frames.indexOf(seen), 1)
      return Promise.resolve(seen)
    }
    if (this.closed) return Promise.reject(new Error(`socket closed (${this.closed.code}) before a ${type} frame`))
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${type} frame within ${timeoutMs} ms`)), timeoutMs)
      this.waiters.push({
        match,
        resolve: (frame) => {
          clearTimeout(timer)
          this.frames.splice(this.frames.indexOf(frame), 1)
          resolve(frame as FrameOf<T>)
        },
        reject: (error) => {
          clearTimeout(timer)
          reject(error)
        },
      })
    })
  }

  /** Sends a frame with a request_id and waits for the reply of the given type (or an error). */
  async request<T extends FrameType>(frame: Record<string, unknown>, replyType: T): Promise<FrameOf<T> | ErrorFrame> {
    const requestId = `r${Math.random().toString(36).slice(2)}`
    this.send({ ...frame, request_id: requestId })
    const reply = await Promise.race([
      this.next(replyType, (f) => f.request_id === requestId),
      this.next('error', (f) => f.request_id === requestId),
    ])
    return reply
  }

  /** Like request(), for a frame that must succeed: its reply; an error frame fails with its code. */
  async ask<T extends FrameType>(frame: Record<string, unknown>, replyType: T): Promise<FrameOf<T>> {
    const reply: HubFrame = await this.request(frame, replyType)
    if (reply.type === 'error' && replyType !== 'error') {
      throw new Error(`${String(frame.type)} refused with ${reply.code}: ${reply.message}`)
    }
    return reply as FrameOf<T>
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return
    await new Promise<void>((resolve) => {
      this.socket.once('close', () => resolve())
      this.socket.close()
    })
  }

  /** Waits for the hub to close this socket. */
  waitClosed(timeoutMs = 10_000): Promise<{ code: number; reason: string }> {
    if (this.closed) return Promise.resolve(this.closed)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('socket not closed')), timeoutMs)
      this.socket.once('close', (code, reason) => {
        clearTimeout(timer)
        resolve({ code, reason: reason.toString() })
      })
    })
  }
}

/**
 * The consumer asks for the provider's (registered) service and the provider accepts: resolves
 * with the channel id once both have the accept.
 */
export async function openChannel(provider: WsAgent, consumer: WsAgent, serviceId: string): Promise<string> {
  consumer.send({ type: 'chat_request', service_id: serviceId })
  const request = await provider.next('chat_request', (f) => f.consumer_id === consumer.agentId && f.service_id === serviceId)
  const channelId = request.channel_id
  await provider.request({ type: 'chat_accept', channel_id: channelId }, 'chat_accept')
  await consumer.next('chat_accept', (f) => f.channel_id === channelId)
  return channelId
}

/** Tries an upgrade that the hub should refuse; resolves with the HTTP status and JSON body. */
export async function refusedUpgrade(wsUrl: string, query: string, options: ClientOptions = {}): Promise<{ status: number; body: unknown }> {
  const { status, body } = await upgradeRefusal(wsUrl, query, options)
  return { status, body }
}

/** refusedUpgrade, with the response headers too. */
export function upgradeRefusal(
  wsUrl: string,
  query: string,
  options: ClientOptions = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: unknown }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${wsUrl}/ws${query}`, options)
    socket.on('unexpected-response', (_request, response) => {
      let body = ''
      response.on('data', (chunk: Buffer) => (body += chunk.toString()))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: JSON.parse(body) as unknown }))
    })
    socket.on('open', () => reject(new Error('upgrade was accepted')))
  })
}
