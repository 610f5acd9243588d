// ws ends a connection's frame parser (its Receiver, a Writable) twice when the peer closes: on
// the socket's 'end', and again on its 'close'. Node answers an end() of a stream that has
// finished by building an ERR_STREAM_ALREADY_FINISHED error, stack trace and all, which it drops
// when no callback was given — as ws gives none: 3% of the hub's CPU in a storm of short
// connections. That call is let through as the no-op it is, without the error.
import type { Writable } from 'node:stream'
import * as ws from 'ws'

const SKIPPING = Symbol('claw.receiverEnd')

type End = Writable['end']

/** Makes a second end() of a ws Receiver cheap; idempotent. */
export function skipFinishedReceiverEnd(): void {
  // The Receiver is exported by ws, not declared by its typings.
  const prototype = (ws as unknown as { Receiver?: { prototype?: Writable & { [SKIPPING]?: true } } }).Receiver?.prototype
  // A ws that no longer exports it, or ends it otherwise, is left as it is.
  if (!prototype || typeof prototype.end !== 'function' || prototype[SKIPPING]) return
  const end = Reflect.get(prototype, 'end') as (this: Writable, ...args: unknown[]) => Writable
  prototype.end = function (this: Writable, ...args: unknown[]) {
    // What Writable.end() does for a finished, uncorked stream and no arguments: nothing.
    if (args.length === 0 && this.writableFinished && this.writableCorked === 0) return this
    return end.apply(this, args)
  } as End
  prototype[SKIPPING] = true
}
