// The broker of a hub that runs alone: what is published reaches the handler, replies and all,
// presence is the handler's own count, and nothing reaches a handler before start or after close.
import { describe, expect, it } from 'vitest'
import type { BrokerHandler } from '../../src/broker/broker.js'
import { LocalBroker } from '../../src/broker/local-broker.js'
import { CloseCode } from '../../src/protocol/close-codes.js'
import type { StoredMessage } from '../../src/store/index.js'

function recordingHandler() {
  const heard: unknown[][] = []
  const handler: BrokerHandler = {
    messages: (batch) => heard.push(['messages', batch.length]),
    frame: (agentIds, frame, replies) => heard.push(['frame', agentIds, frame.type, replies]),
    close: (agentId, code) => heard.push(['close', agentId, code]),
    catchUp: () => Promise.resolve(),
    agents: () => ['a'],
    connectionsOf: (agentId) => (agentId === 'a' ? 2 : 0),
  }
  return { handler, heard }
}

const stored = { recipientId: 'a' } as StoredMessage

describe('LocalBroker', () => {
  it('hands every publication to its handler, from start until close', async () => {
    const broker = new LocalBroker()
    const { handler, heard } = recordingHandler()
    broker.publishMessages([stored])
    await broker.start(handler)
    broker.publishMessages([stored, stored])
    broker.publishFrame(['a'], { type: 'pong', server_time: '2026-01-01T00:00:00.000Z' }, [{ connectionId: 'c1', requestId: 7 }])
    broker.publishClose('a', CloseCode.UNAUTHORIZED, 'API key revoked')
    await broker.close()
    broker.publishClose('a', CloseCode.UNAUTHORIZED, 'API key revoked')
    expect(heard).toEqual([
      ['messages', 2],
      ['frame', ['a'], 'pong', [{ connectionId: 'c1', requestId: 7 }]],
      ['close', 'a', 4401],
    ])
  })

  it('counts connections from its handler, and reports nothing for readiness', async () => {
    const broker = new LocalBroker()
    await broker.start(recordingHandler().handler)
    expect(await broker.connections(['a', 'b'])).toEqual(new Map([['a', 2], ['b', 0]]))
    expect(broker.readiness()).toEqual({})
  })
})
