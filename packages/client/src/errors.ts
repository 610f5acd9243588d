// The one error type the SDK throws. It carries the hub's `code` when the hub refused a
// frame, or one of the client's own codes below when the failure happened on this side,
// so callers can branch on `err.code` without parsing messages. Codes are UPPER_SNAKE like
// the hub's own (`CHANNEL_NOT_FOUND`), so both kinds read alike.

/** Codes the client raises itself; the hub's codes pass through unchanged. */
export const ClientErrorCode = {
  /** A method was called before connect() or after disconnect(). */
  NOT_CONNECTED: 'NOT_CONNECTED',
  /** disconnect() was called while the request was still waiting. */
  CLIENT_CLOSED: 'CLIENT_CLOSED',
  /** The socket dropped after a non-idempotent request was written; it may or may not have taken effect. */
  CONNECTION_LOST: 'CONNECTION_LOST',
  /** No reply arrived within the request's timeout. */
  TIMEOUT: 'TIMEOUT',
  /** The socket could not be opened (network error, refused upgrade, no welcome). */
  CONNECT_FAILED: 'CONNECT_FAILED',
  /** The call's arguments cannot form a valid frame. */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
} as const
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode]

export class ChatHubError extends Error {
  override readonly name = 'ChatHubError'
  /** The hub's error code (e.g. `CHANNEL_NOT_FOUND`) or a {@link ClientErrorCode}. */
  readonly code: string
  /** HTTP status when the hub refused the WebSocket upgrade. */
  readonly status: number | undefined

  constructor(code: string, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.status = options.status
  }
}
