// Why a request or /ws upgrade was refused for its credentials, as the `reason` label of
// hub_auth_failures_total. The reason is read from the refusal the authenticator raised (its code
// and message), so the credential checks themselves stay free of metrics.
import { isHubError } from '../errors.js'

export const AUTH_FAILURE_REASONS = [
  'missing_credential',
  'unknown_key',
  'revoked_key',
  'invalid_token',
  'expired_token',
  'wrong_agent',
  'not_operator',
  'origin_not_allowed',
] as const
export type AuthFailureReason = (typeof AUTH_FAILURE_REASONS)[number]

const BY_MESSAGE: Array<[RegExp, AuthFailureReason]> = [
  [/revoked/, 'revoked_key'],
  [/expired/, 'expired_token'],
  [/^Unknown API key/, 'unknown_key'],
  [/^Present|^Missing API key|^Authenticate with/, 'missing_credential'],
  [/credential is .* not |^HUB_ADMIN_TOKEN is the operator|HUB_ADMIN_TOKEN, the operator/, 'wrong_agent'],
  [/^Only the operator/, 'not_operator'],
  [/token|JWT|HUB_JWKS_URL/i, 'invalid_token'],
]

/** The reason of an authentication refusal, or null for any other error. */
export function authFailureReason(error: unknown): AuthFailureReason | null {
  if (!isHubError(error)) return null
  if (error.code === 'ORIGIN_NOT_ALLOWED') return 'origin_not_allowed'
  if (error.code !== 'UNAUTHORIZED' && error.code !== 'FORBIDDEN') return null
  for (const [pattern, reason] of BY_MESSAGE) if (pattern.test(error.message)) return reason
  // Other 403s (another agent's channel, a token's service grant) are access, not authentication.
  return error.code === 'UNAUTHORIZED' ? 'invalid_token' : null
}
