// Every refusal the authenticator raises has a reason label; access refusals are not counted.
import { describe, expect, it } from 'vitest'
import { Errors } from '../../src/errors.js'
import { authFailureReason } from '../../src/observe/auth-failures.js'

describe('authFailureReason', () => {
  it.each([
    [new Errors.Unauthorized('Present the agent’s API key or token (Authorization: Bearer …), or name a keyless agent with agent_id'), 'missing_credential'],
    [new Errors.Unauthorized('Unknown API key (keys are issued by the operator)'), 'unknown_key'],
    [new Errors.Unauthorized('The API key of weather-bot was revoked'), 'revoked_key'],
    [new Errors.Unauthorized('The token expired at 2024-11-25T10:00:00.000Z'), 'expired_token'],
    [new Errors.Unauthorized('The token’s signature does not verify'), 'invalid_token'],
    [new Errors.Forbidden('This credential is a’s, not b’s'), 'wrong_agent'],
    [new Errors.Forbidden('Only the operator may do this'), 'not_operator'],
    [new Errors.OriginNotAllowed('https://elsewhere.example'), 'origin_not_allowed'],
  ])('%s → %s', (error, reason) => {
    expect(authFailureReason(error)).toBe(reason)
  })

  it('leaves other errors alone', () => {
    expect(authFailureReason(new Errors.Forbidden('Not a member of channel ch_1'))).toBeNull()
    expect(authFailureReason(new Errors.ChannelNotFound('ch_1'))).toBeNull()
    expect(authFailureReason(new Error('boom'))).toBeNull()
  })
})
