// Public entry of the SDK (`@claw-chat-hub/client`): the client, the one-shot helper, the
// error type and the types a caller needs. Nothing else in this folder is API.
export { ChatClient } from './chat-client.js'
export { quickSend } from './quick-send.js'
export { ChatHubError, ClientErrorCode } from './errors.js'
export type {
  Ack,
  BackoffOptions,
  Channel,
  ChatClientEvents,
  ChatClientOptions,
  ChatEnded,
  ChatRejection,
  ChatRequest,
  ChatTarget,
  ConnectedEvent,
  ConnectionState,
  DisconnectedEvent,
  HistoryOptions,
  HistoryPage,
  Message,
  MessageHandler,
  Metadata,
  QuickSendOptions,
  ReconnectingEvent,
  RequestChatOptions,
  RequestChatResult,
  SendMessageOptions,
  Service,
  Welcome,
} from './types.js'
export type { ClientFrame, HubFrame } from './protocol.js'
