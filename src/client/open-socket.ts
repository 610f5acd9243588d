// Opens one WebSocket to the hub and brings it to live traffic: waits for `welcome`, sends
// `resume` as the connection's first frame, passes on what the hub replays, and is ready at the
// `resume` reply, when every missed message has been handed over. Owns everything about a
// single socket: the auth header, turning a refused upgrade (HTTP 401/403/503 + JSON body)
// into a ChatHubError, JSON parsing of frames, and the ping heartbeat that notices a dead peer.
import WebSocket from 'ws'
import type { IncomingMessage } from 'node:http'
import type { ClientFrameOf, HubFrame, WelcomeFrame } from '../protocol/frames.js'
import { ChatHubError, ClientErrorCode } from './errors.js'

export type ResumeCursor = ClientFrameOf<'resume'>['channels'][number]

/** request_id of the resume frame; the client numbers its own requests c1, c2, … */
export const RESUME_REQUEST_ID = 'resume'

export interface SocketHandlers {
  /** Runs on `welcome`; returns the cursors for the `resume` frame, read at that moment. */
  onWelcome(socket: WebSocket, welcome: WelcomeFrame): ResumeCursor[]
  /** Every later frame but the resume reply: the replay first, then live traffic. */
  onFrame(frame: HubFrame): void
  /** Runs synchronously on the resume reply, before any later frame is handed to onFrame. */
  onReady(welcome: WelcomeFrame, replayed: number): void
  /** The socket closed once ready (a failure before that rejects the promise instead). */
  onClose(code: number, reason: string): void
}

export interface SocketOptions {
  url: string
  apiKey: string | undefined
  /** Asked for a fresh credential before each socket is opened (it then replaces apiKey). */
  tokenProvider?: (() => string | Promise<string>) | undefined
  /** Limit for the welcome, and for each silence while the replay streams in. */
  connectTimeoutMs: number
  heartbeatMs: number
}

export function openSocket(options: SocketOptions, handlers: SocketHandlers): Promise<WelcomeFrame> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}
    const socket = new WebSocket(options.url, { headers, handshakeTimeout: options.connectTimeoutMs })
    let welcome: WelcomeFrame | undefined
    let ready = false
    let failed = false
    let stopHeartbeat = () => {}
    let timer: NodeJS.Timeout | undefined
    const fail = (error: ChatHubError) => {
      if (ready || failed) return
      failed = true
      clearTimeout(timer)
      socket.terminate()
      reject(error)
    }
    const arm = () => {
      clearTimeout(timer)
      const waitingFor = welcome ? 'frame during the resume replay' : 'welcome'
      timer = setTimeout(() => {
        fail(new ChatHubError(ClientErrorCode.CONNECT_FAILED, `no ${waitingFor} from the hub within ${options.connectTimeoutMs} ms`))
      }, options.connectTimeoutMs)
    }
    arm()

    socket.on('unexpected-response', (_request, response) => {
      void refusal(response).then(fail)
    })
    // ws always follows an 'error' with 'close'; once ready, close is what matters.
    socket.on('error', (error) => fail(new ChatHubError(ClientErrorCode.CONNECT_FAILED, error.message, { cause: error })))
    socket.on('close', (code, reason) => {
      stopHeartbeat()
      if (ready) handlers.onClose(code, reason.toString())
      else fail(new ChatHubError(ClientErrorCode.CONNECT_FAILED, `socket closed before the resume reply (${code} ${reason.toString()})`))
    })
    socket.on('message', (data) => {
      const frame = parseFrame(data)
      if (frame === undefined || failed) return
      if (ready) return handlers.onFrame(frame)
      if (welcome === undefined) {
        if (frame.type === 'error') return fail(new ChatHubError(frame.code, frame.message))
        if (frame.type !== 'welcome') return
        welcome = frame
        arm()
        stopHeartbeat = heartbeat(socket, options.heartbeatMs)
        const channels = handlers.onWelcome(socket, frame)
        if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: 'resume', request_id: RESUME_REQUEST_ID, channels }))
        return
      }
      if (frame.request_id !== RESUME_REQUEST_ID) {
        arm()
        return handlers.onFrame(frame)
      }
      if (frame.type === 'error') return fail(new ChatHubError(frame.code, `hub refused resume: ${frame.message}`))
      if (frame.type !== 'resume') return
      ready = true
      clearTimeout(timer)
      handlers.onReady(welcome, frame.replayed)
      resolve(welcome)
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
