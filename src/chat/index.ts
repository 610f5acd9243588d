// The chat layer: channel life cycle and messaging, shared by the /ws handlers and REST routes.
import type { Store } from '../store/index.js'
import { KeyedLock, type Locks } from '../lib/keyed-lock.js'
import { ChannelLifecycle, type RequestLimits } from './lifecycle.js'
import { Messaging } from './messaging.js'
import type { Notifier } from './notifier.js'

export interface Chat {
  lifecycle: ChannelLifecycle
  messaging: Messaging
}

/** `locks` serialise the work on one pair of agents: across every hub instance when there are several. */
export function createChat(store: Store, notifier: Notifier, limits: RequestLimits, locks: Locks = new KeyedLock()): Chat {
  return {
    lifecycle: new ChannelLifecycle(store, notifier, locks, limits),
    messaging: new Messaging(store, locks),
  }
}

export type { RequestLimits } from './lifecycle.js'
