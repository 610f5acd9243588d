// The chat layer: channel life cycle and messaging, shared by the /ws handlers and REST routes.
import type { Store } from '../store/index.js'
import { KeyedLock } from '../lib/keyed-lock.js'
import { ChannelLifecycle, type RequestLimits } from './lifecycle.js'
import { Messaging } from './messaging.js'
import type { Notifier } from './notifier.js'

export interface Chat {
  lifecycle: ChannelLifecycle
  messaging: Messaging
}

export function createChat(store: Store, notifier: Notifier, limits: RequestLimits): Chat {
  const locks = new KeyedLock()
  return {
    lifecycle: new ChannelLifecycle(store, notifier, locks, limits),
    messaging: new Messaging(store, locks),
  }
}

export { ADMIN, asAgent, type Actor, type Origin } from './notifier.js'
export type { RequestLimits } from './lifecycle.js'
