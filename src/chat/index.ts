// The chat layer: channel life cycle and messaging, shared by the /ws handlers and REST routes.
import type { Store } from '../store/index.js'
import { ChannelLifecycle, type ChatBroker, type RequestLimits } from './lifecycle.js'
import { Messaging } from './messaging.js'

export interface Chat {
  lifecycle: ChannelLifecycle
  messaging: Messaging
}

export function createChat(store: Store, broker: ChatBroker, limits: RequestLimits): Chat {
  return {
    lifecycle: new ChannelLifecycle(store, broker, limits),
    messaging: new Messaging(store, broker.locks),
  }
}

export type { ChatBroker, RequestLimits } from './lifecycle.js'
