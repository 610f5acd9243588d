// WebSocket close codes the hub uses, in one place. 1xxx are RFC 6455 codes; 4xxx are the hub's own.
export const CloseCode = {
  GOING_AWAY: 1001,
  POLICY: 1008,
  TOO_BIG: 1009,
  INTERNAL_ERROR: 1011,
  TOO_MANY_ERRORS: 4400,
  UNAUTHORIZED: 4401,
  HEARTBEAT_TIMEOUT: 4408,
  SLOW_CONSUMER: 4429,
} as const
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode]

export const CLOSE_CODE_MEANINGS: Record<CloseCode, string> = {
  [CloseCode.GOING_AWAY]: 'The hub is shutting down; reconnect (to it or another instance) and resume.',
  [CloseCode.POLICY]:
    'A message sent in fragments stayed unfinished longer than FRAGMENT_TIMEOUT_MS, or the hub ran past MAX_TOTAL_BUFFERED_BYTES and this connection held the most. Reconnect and resume; nothing acked is lost.',
  [CloseCode.TOO_BIG]: 'A frame exceeded four times max_frame_bytes.',
  [CloseCode.INTERNAL_ERROR]:
    'The hub could not read the store to keep a channel in order; reconnect and resume: nothing is lost.',
  [CloseCode.TOO_MANY_ERRORS]:
    'The client kept sending frames the hub had to refuse: malformed, invalid or forbidden ones.',
  [CloseCode.UNAUTHORIZED]:
    "The agent's credentials are no longer valid: its API key was rotated or revoked, or its JWT expired (the socket is closed at the token's exp). Connect again with a valid key or a fresh token.",
  [CloseCode.HEARTBEAT_TIMEOUT]: 'The client did not answer the hub\'s WebSocket ping within one heartbeat interval.',
  [CloseCode.SLOW_CONSUMER]:
    'The client read too slowly: its unsent frames passed the high-water mark. Reconnect and resume; nothing is lost.',
}
