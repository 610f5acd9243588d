// hubUrl normalisation: every way a user writes the hub's address reaches /ws, asking to resume.
import { describe, expect, it } from 'vitest'
import { ChatHubError } from '../src/errors.js'
import { socketUrl } from '../src/hub-url.js'

describe('socketUrl', () => {
  it.each([
    ['ws://localhost:8765', 'ws://localhost:8765/ws?agent_id=a1&resume=1'],
    ['ws://localhost:8765/', 'ws://localhost:8765/ws?agent_id=a1&resume=1'],
    ['ws://localhost:8765/ws', 'ws://localhost:8765/ws?agent_id=a1&resume=1'],
    ['ws://localhost:8765/ws/', 'ws://localhost:8765/ws?agent_id=a1&resume=1'],
    ['http://hub.example:80/chat', 'ws://hub.example/chat/ws?agent_id=a1&resume=1'],
    ['https://hub.example/ws', 'wss://hub.example/ws?agent_id=a1&resume=1'],
  ])('%s → %s', (input, expected) => {
    expect(socketUrl(input, 'a1')).toBe(expected)
  })

  it('encodes the agent id and keeps other query parameters', () => {
    expect(socketUrl('ws://h/ws?x=1', 'agent:one')).toBe('ws://h/ws?x=1&agent_id=agent%3Aone&resume=1')
  })

  it('rejects what is not a hub URL', () => {
    expect(() => socketUrl('localhost:8765', 'a')).toThrow(ChatHubError)
    expect(() => socketUrl('ftp://h', 'a')).toThrow(/ws:\/\//)
    expect(() => socketUrl('not a url', 'a')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })
})
