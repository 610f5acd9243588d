// The domain's rules about channels, on their own: the order of statuses, roles and membership,
// and the lock keys.
import { describe, expect, it } from 'vitest'
import { mayAct, ADMIN, asAgent } from '../../src/domain/actor.js'
import { CHANNEL_STATUSES, consumerKey, isMember, isOpen, movesOn, pairKey, roleOf } from '../../src/domain/channel.js'

describe('channel statuses', () => {
  it('move forward only: pending → active → rejected | ended', () => {
    expect(movesOn(undefined, 'pending')).toBe(true)
    expect(movesOn('pending', 'active')).toBe(true)
    expect(movesOn('pending', 'rejected')).toBe(true)
    expect(movesOn('active', 'ended')).toBe(true)
    expect(movesOn('active', 'pending')).toBe(false)
    expect(movesOn('ended', 'active')).toBe(false)
    expect(movesOn('rejected', 'ended')).toBe(false)
    expect(movesOn('active', 'active')).toBe(false)
  })

  it('are open while pending or active', () => {
    expect(CHANNEL_STATUSES.filter(isOpen)).toEqual(['pending', 'active'])
  })
})

describe('membership', () => {
  const channel = { providerId: 'p', consumerId: 'c' }

  it('gives each party its role, and strangers none', () => {
    expect(roleOf(channel, 'p')).toBe('provider')
    expect(roleOf(channel, 'c')).toBe('consumer')
    expect(roleOf(channel, 'x')).toBeUndefined()
    expect([isMember(channel, 'p'), isMember(channel, 'c'), isMember(channel, 'x')]).toEqual([true, true, false])
  })

  it('lets the operator act on every channel and an agent on its own', () => {
    expect(mayAct(ADMIN, channel)).toBe(true)
    expect(mayAct(asAgent('c'), channel)).toBe(true)
    expect(mayAct(asAgent('x'), channel)).toBe(false)
  })
})

describe('lock keys', () => {
  it('name a pair the same whichever agent asks, and never collide with a consumer’s key', () => {
    expect(pairKey('a', 'b')).toBe(pairKey('b', 'a'))
    expect(pairKey('a', 'b')).not.toBe(pairKey('a', 'c'))
    // Agent ids are never empty, so a pair's key starts with one of them and a consumer's with NUL.
    expect(pairKey('a', 'b').startsWith('\u0000')).toBe(false)
    expect(consumerKey('a').startsWith('\u0000')).toBe(true)
    expect(consumerKey('ab')).not.toBe(consumerKey('a'))
  })
})
