// Opens one WebSocket to the hub and waits for its `welcome`. Owns everything about a single
// socket: the auth header, turning a refused upgrade (HTTP 401/403 + JSON body) into a
// ChatHubError, JSON parsing of frames, and the ping heartbeat that notices a dead peer.
import WebSocket from 'ws'
import type { IncomingMessage } from 'node:http'
import type { HubFrame, WelcomeFrame } from '../protocol/frames.js'
import { ChatHubError, ClientErrorCode } from './errors.js'

export interface SocketHandlers {
  /** Runs synchronously on `welcome`, before any later frame is handed to onFrame. */
  onWelcome(socket: WebSocket, welcome: WelcomeFrame): void
  onFrame(frame: HubFrame): void
  /** The socket closed after its welcome (a failure before it rejects the promise instead). */
  onClose(code: number, reason: string): void
}

export interface SocketOptions {
  url: string
  apiKey: string | undefined
  connectTimeoutMs: number
  heartbeatMs: number
}

export function openSocket(options: SocketOptions, handlers: SocketHandlers): Promise<WelcomeFrame> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}
    const socket = new WebSocket(options.url, { headers, handshakeTimeout: options.connectTimeoutMs })
    let welcomed = false
    let failed = false
    let stopHeartbeat = () => {}
    const fail = (error: ChatHubError) => {
      if (welcomed || failed) return
      failed = true
      clearTimeout(timer)
      socket.terminate()
      reject(error)
    }
    const timer = setTimeout(() => {
      fail(new ChatHubError(ClientErrorCode.CONNECT_FAILED, `no welcome from the hub within ${options.connectTimeoutMs} ms`))
    }, options.connectTimeoutMs)

    socket.on('unexpected-response', (_request, response) => {
      void refusal(response).then(fail)
    })
    // ws always follows an 'error' with 'close'; after the welcome, close is what matters.
    socket.on('error', (error) => fail(new ChatHubError(ClientErrorCode.CONNECT_FAILED, error.message, { cause: error })))
    socket.on('close', (code, reason) => {
      stopHeartbeat()
      if (welcomed) handlers.onClose(code, reason.toString())
      else fail(new ChatHubError(ClientErrorCode.CONNECT_FAILED, `socket closed before welcome (${code} ${reason.toString()})`))
    })
    socket.on('message', (data) => {
      const frame = parseFrame(data)
      if (frame === undefined) return
      if (welcomed) {
        handlers.onFrame(frame)
      } else if (frame.type === 'welcome') {
        welcomed = true
        clearTimeout(timer)
        stopHeartbeat = heartbeat(socket, options.heartbeatMs)
        handlers.onWelcome(socket, frame)
        resolve(frame)
      } else if (frame.type === 'error') {
        fail(new ChatHubError(frame.code, frame.message))
      }
    })
  })
}

/** The hub answers a refused upgrade with `{error: {code, message}}`; keep its code. */
async function refusal(response: IncomingMessage): Promise<ChatHubError> {
  const status = response.statusCode ?? 0
  let body = ''
  try {
    for await (const chunk of response) body += String(chunk)
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } }
    const code = typeof parsed.error?.code === 'string' ? parsed.error.code : ClientErrorCode.CONNECT_FAILED
    const message = typeof parsed.error?.message === 'string' ? parsed.error.message : body
    return new ChatHubError(code, `hub refused the connection (${status}): ${message}`, { status })
  } catch {
    return new ChatHubError(ClientErrorCode.CONNECT_FAILED, `hub refused the connection (${status}) ${body}`.trim(), { status })
  }
}

function parseFrame(data: WebSocket.RawData): HubFrame | undefined {
  try {
    const value: unknown = JSON.parse(text(data))
    if (typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string') {
      return value as HubFrame
    }
  } catch {
    // The hub only sends JSON; anything else is noise not worth tearing the session down for.
  }
  return undefined
}

function text(data: WebSocket.RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8')
  return (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)).toString('utf8')
}

/** A peer that stops answering pings (half-open TCP, sleeping laptop) is cut so reconnect can start. */
function heartbeat(socket: WebSocket, intervalMs: number): () => void {
  if (intervalMs <= 0) return () => {}
  let alive = true
  const markAlive = () => {
    alive = true
  }
  socket.on('pong', markAlive)
  socket.on('message', markAlive)
  const timer = setInterval(() => {
    if (!alive) {
      socket.terminate()
      return
    }
    alive = false
    socket.ping()
  }, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
