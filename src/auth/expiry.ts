// A socket opened with a JWT lives no longer than the token: at its `exp` the hub closes it
// with 4401, and a client with a token provider reconnects with a fresh token.
import type { WebSocket } from 'ws'
import { CloseCode } from '../protocol/close-codes.js'
import type { Identity } from './authenticator.js'

/** setTimeout's longest delay; a later expiry is waited for in steps. */
const MAX_DELAY_MS = 2 ** 31 - 1

export function closeAtExpiry(socket: WebSocket, { expiresAt }: Identity): void {
  if (expiresAt === undefined) return
  let timer: NodeJS.Timeout
  const arm = () => {
    const left = expiresAt - Date.now()
    if (left <= 0) return socket.close(CloseCode.UNAUTHORIZED, 'token expired')
    timer = setTimeout(arm, Math.min(left, MAX_DELAY_MS))
    timer.unref()
  }
  arm()
  socket.once('close', () => clearTimeout(timer))
}
