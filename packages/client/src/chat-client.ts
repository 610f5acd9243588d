// ChatClient: the calls an agent makes on the hub, each one frame out and a promise of its
// reply. Session mechanics (reconnects, resends, exactly-once delivery, events) live in
// ChatSession; this file only maps the camelCase API onto snake_case frames and back.
import { randomUUID } from 'node:crypto'
import type { ClientFrame } from './protocol.js'
import { payload, ChatSession } from './chat-session.js'
import { ChatHubError, ClientErrorCode } from './errors.js'
import type {
  Ack,
  Channel,
  ChatEnded,
  ChatTarget,
  HistoryOptions,
  HistoryPage,
  Message,
  MessageHandler,
  RequestChatOptions,
  RequestChatResult,
  SendMessageOptions,
  Service,
  Welcome,
} from './types.js'

export class ChatClient extends ChatSession {
  /**
   * Opens the session; resolves with the hub's welcome once the hub has replayed what this agent
   * missed (held for the first listener). A first connect that fails is not retried.
   */
  async connect(): Promise<Welcome> {
    try {
      return payload(await this.connection.connect())
    } catch (error) {
      const reason = error instanceof ChatHubError ? error : new ChatHubError(ClientErrorCode.CONNECT_FAILED, String(error))
      if (this.state !== 'open') this.pending.failAll(reason)
      throw reason
    }
  }

  /** Closes the session: pending calls reject with CLIENT_CLOSED and messages() iterators end. */
  async disconnect(): Promise<void> {
    const wasActive = this.state !== 'idle' && this.state !== 'closed'
    const closing = this.connection.close()
    this.pending.failAll(new ChatHubError(ClientErrorCode.CLIENT_CLOSED, 'disconnect() was called'))
    this.inbox.endStreams()
    await closing
    if (wasActive) this.emit('disconnected', { code: 1000, reason: 'client disconnect', willReconnect: false })
  }

  /** Sends a message; resolves with the ack once the hub stored it. Unacked sends survive reconnects and hub restarts. */
  async sendMessage(options: SendMessageOptions): Promise<Ack> {
    if (!options.channelId && !options.targetAgent) {
      throw new ChatHubError(ClientErrorCode.INVALID_ARGUMENT, 'sendMessage needs channelId or targetAgent')
    }
    const frame: ClientFrame = {
      type: 'chat_message',
      channel_id: options.channelId,
      target_agent: options.targetAgent,
      content: options.content,
      metadata: options.metadata,
      service_id: options.serviceId,
      client_msg_id: options.clientMsgId ?? randomUUID(),
    }
    return payload(await this.request(frame, ['ack'], 'resend'))
  }

  /** Asks a service's provider for a channel; resolves with the provider's decision. */
  async requestChat(options: RequestChatOptions): Promise<RequestChatResult> {
    const frame: ClientFrame = { type: 'chat_request', service_id: options.serviceId, message: options.message }
    const reply = await this.request(frame, ['chat_accept', 'chat_reject'], 'fail', options.timeoutMs ?? 60_000)
    const channel = payload(reply)
    if (reply.type === 'chat_accept') return { status: 'accepted', channelId: reply.channel_id, channel }
    return { status: 'rejected', channelId: reply.channel_id, channel, ...(reply.reason ? { reason: reply.reason } : {}) }
  }

  /** Provider: accepts a pending request, named by its channel or by the consumer that sent it. */
  async acceptChat(target: ChatTarget): Promise<Channel> {
    const frame: ClientFrame = { type: 'chat_accept', channel_id: target.channelId, consumer_id: target.consumerId }
    return payload(await this.request(frame, ['chat_accept'], 'fail'))
  }

  /** Provider: rejects a pending request; the reason may sit in the target or come second. */
  async rejectChat(target: ChatTarget & { reason?: string }, reason?: string): Promise<Channel> {
    const frame: ClientFrame = {
      type: 'chat_reject',
      channel_id: target.channelId,
      consumer_id: target.consumerId,
      reason: target.reason ?? reason,
    }
    return payload(await this.request(frame, ['chat_reject'], 'fail'))
  }

  /** Ends a channel; both sides get `chat_end`. Resolves with this side's copy. */
  async endChat(options: { channelId: string; reason?: string }): Promise<ChatEnded> {
    const frame: ClientFrame = { type: 'chat_end', channel_id: options.channelId, reason: options.reason }
    return payload(await this.request(frame, ['chat_end'], 'fail'))
  }

  /** One page of history, oldest first; `has_more` says whether more lies in the direction read. */
  async getHistory(options: HistoryOptions): Promise<HistoryPage> {
    const frame: ClientFrame = {
      type: 'chat_history',
      channel_id: options.channelId,
      service_id: options.serviceId,
      limit: options.limit,
      before_seq: options.beforeSeq,
      after_seq: options.afterSeq,
    }
    return payload(await this.request(frame, ['chat_history'], 'resend'))
  }

  /** Provider: binds a service to this agent, so requests for it arrive here. */
  async registerService(options: { serviceId: string; description?: string }): Promise<Service> {
    const frame: ClientFrame = { type: 'register_service', service_id: options.serviceId, description: options.description }
    return payload(await this.request(frame, ['register_service'], 'resend'))
  }

  /** Calls `handler` for every incoming message, exactly once and in seq order; returns the unsubscribe. */
  listenForMessages(handler: MessageHandler): () => void {
    return this.inbox.subscribe(handler)
  }

  /** Incoming messages as an async iterator; ends on disconnect(), throws on a fatal connection loss. */
  messages(): AsyncIterableIterator<Message> {
    return this.inbox.stream()
  }
}
