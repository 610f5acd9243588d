// Public types of the SDK. Every wire shape comes from protocol.ts, which is generated from
// the hub's frame schemas; only the call options are the client's own.
import type { AckFrame, ChatAcceptedFrame, ChatEndedFrame, ChatRejectedFrame, ChatRequestedFrame, Message, Metadata, WelcomeFrame } from './protocol.js'
import type { ChatHubError } from './errors.js'

export type { HistoryPage, Message, Metadata, Service } from './protocol.js'

/** A frame's content without its envelope (`type`, `request_id`). */
export type Payload<F> = Omit<F, 'type' | 'request_id'>

export type Ack = Payload<AckFrame>
export type Channel = Payload<ChatAcceptedFrame>
export type ChatRejection = Payload<ChatRejectedFrame>
export type ChatEnded = Payload<ChatEndedFrame>
export type ChatRequest = Payload<ChatRequestedFrame>
export type Welcome = Payload<WelcomeFrame>

export interface BackoffOptions {
  /** First retry waits up to this long (default 250 ms); each further one doubles the bound. */
  baseMs?: number
  /** Upper bound of any single delay (default 10 s). */
  maxMs?: number
  /** Give up after this many failed attempts in a row (default: never, until disconnect()). */
  maxAttempts?: number
  /** Source of jitter in [0, 1); tests pass a constant to make delays predictable. */
  random?: () => number
}

export interface ChatClientOptions {
  /** `ws://host:8765` or `ws://host:8765/ws` (http/https are accepted too). */
  hubUrl: string
  agentId: string
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string
  /**
   * Called before every connect and reconnect; its token (a JWT from your backend) is sent as
   * `Authorization: Bearer` instead of apiKey. With it, a socket the hub closes with 4401 (the
   * token expired) reconnects with a fresh token; without it, 4401 ends the session.
   */
  tokenProvider?: () => string | Promise<string>
  /** Reconnect after an unexpected close (default true). */
  reconnect?: boolean | BackoffOptions
  /** How long a request waits for its reply (default 30 s; 0 waits forever). */
  requestTimeoutMs?: number
  /** How long opening a socket may wait for `welcome`, and for each frame of the resume replay (default 10 s). */
  connectTimeoutMs?: number
  /** WebSocket ping interval that detects dead connections (default 30 s; 0 disables). */
  heartbeatMs?: number
  /**
   * Messages sent and not yet acked at once (default 32); further sendMessage calls wait in the
   * client, in order, and go out as acks come back.
   */
  maxInFlight?: number
}

export type ChatTarget = { channelId: string; consumerId?: undefined } | { consumerId: string; channelId?: undefined }

export type SendMessageOptions = ({ channelId: string; targetAgent?: string } | { targetAgent: string; channelId?: string }) & {
  content: string
  metadata?: Metadata
  /** Service of the channel to open or reuse when sending to targetAgent. */
  serviceId?: string
  /** Idempotency key; a random UUID when omitted. Retrying with the same key never stores a copy. */
  clientMsgId?: string
}

export interface RequestChatOptions {
  serviceId: string
  /** First words to the provider, shown with the request. */
  message?: string
  /** How long to wait for the provider's decision (default 60 s). */
  timeoutMs?: number
}

export interface RequestChatResult {
  status: 'accepted' | 'rejected'
  channelId: string
  reason?: string
  channel: Channel
}

export type HistoryOptions = ({ channelId: string; serviceId?: undefined } | { serviceId: string; channelId?: undefined }) & {
  /** Page size, at most 500 (the hub's default is 50). */
  limit?: number
  beforeSeq?: number
  afterSeq?: number
}

export interface QuickSendOptions {
  hubUrl: string
  agentId: string
  targetAgent: string
  content: string
  apiKey?: string
  serviceId?: string
  metadata?: Metadata
  clientMsgId?: string
}

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed'

export interface ConnectedEvent {
  welcome: Welcome
  /** False for the first connect() of a session, true when the client restored a lost connection. */
  reconnected: boolean
  /** Messages the hub replayed on resume (already handed to the inbox when this fires). */
  replayed: number
}
export interface DisconnectedEvent {
  code: number
  reason: string
  /** True when the client is about to reconnect by itself. */
  willReconnect: boolean
  /** Why the client stopped, when it will not reconnect. */
  error?: ChatHubError
}
export interface ReconnectingEvent {
  attempt: number
  delayMs: number
}

export type MessageHandler = (message: Message) => void | Promise<void>

/** Events of {@link ChatClient}; fired for the other side's actions and for this client's own. */
export type ChatClientEvents = {
  chat_request: [request: ChatRequest]
  chat_accept: [channel: Channel]
  chat_reject: [rejection: ChatRejection]
  chat_end: [ended: ChatEnded]
  connected: [event: ConnectedEvent]
  disconnected: [event: DisconnectedEvent]
  reconnecting: [event: ReconnectingEvent]
  /** An `error` frame that answered none of this client's requests. */
  hub_error: [error: ChatHubError]
  /** A listenForMessages handler threw or rejected. */
  listener_error: [error: unknown, message?: Message]
}
