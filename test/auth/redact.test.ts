// Credentials never reach the logs: the request serializer masks api_key in URLs.
import { describe, expect, it } from 'vitest'
import { redactUrl } from '../../src/auth/redact.js'
import { buildTestApp } from '../helpers/hub.js'

describe('redactUrl', () => {
  it.each([
    ['/ws?agent_id=a&api_key=chk_secret', '/ws?agent_id=a&api_key=[redacted]'],
    ['/ws?api_key=chk_secret&agent_id=a', '/ws?api_key=[redacted]&agent_id=a'],
    ['/ws?API_KEY=x#frag', '/ws?API_KEY=[redacted]#frag'],
    ['/channels?agent_id=a', '/channels?agent_id=a'],
  ])('%s → %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected)
  })
})

describe('request logs', () => {
  it('carry the masked URL', async () => {
    const { app, close } = await buildTestApp()
    try {
      type Serializers = { req: (this: void, request: unknown) => { url: string } }
      const serialize = (app.log as unknown as Record<symbol, Serializers>)[Symbol.for('pino.serializers')] as Serializers
      const logged = serialize.req({ method: 'GET', url: '/ws?agent_id=a&api_key=chk_topsecret', host: 'h', ip: '127.0.0.1', socket: {} })
      expect(logged.url).toBe('/ws?agent_id=a&api_key=[redacted]')
      expect(JSON.stringify(logged)).not.toContain('topsecret')
    } finally {
      await close()
    }
  })
})
