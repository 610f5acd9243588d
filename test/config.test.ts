// The environment is validated once, with defaults, and a bad value is named.
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig, retentionMs } from '../src/config.js'

describe('loadConfig', () => {
  it('runs with no settings: SQLite under ./data on 0.0.0.0:8765', () => {
    expect(loadConfig({})).toMatchObject({
      PORT: 8765,
      HOST: '0.0.0.0',
      DATABASE_URL: 'file:./data/hub.db',
      LOG_LEVEL: 'info',
      MAX_FRAME_BYTES: 1024 * 1024,
    })
  })

  it('converts numbers and keeps Postgres URLs', () => {
    const config = loadConfig({ PORT: '9000', DATABASE_URL: 'postgresql://u@db:5432/hub', LOG_LEVEL: 'debug' })
    expect(config).toMatchObject({ PORT: 9000, DATABASE_URL: 'postgresql://u@db:5432/hub', LOG_LEVEL: 'debug' })
  })

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', LOG_LEVEL: '' })).toMatchObject({ PORT: 8765, LOG_LEVEL: 'info' })
  })

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://localhost/hub'],
    ['LOG_LEVEL', 'loud'],
    ['MAX_FRAME_BYTES', '10'],
    ['HUB_AUTH', 'maybe'],
    ['HUB_JWKS_URL', 'ftp://keys.example/jwks.json'],
    ['HUB_JWKS_URL', 'https://'],
  ])('stops on %s=%s with a message naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError)
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^invalid ${name}=`))
  })

  it('never prints the admin token or the JWT secret', () => {
    expect(() => loadConfig({ HUB_ADMIN_TOKEN: 'short' })).toThrow('invalid HUB_ADMIN_TOKEN=(hidden)')
    expect(() => loadConfig({ HUB_JWT_SECRET: 'too-short-a-secret' })).toThrow('invalid HUB_JWT_SECRET=(hidden)')
  })

  it('takes JWT settings, and refuses an issuer or audience with no way to check a token', () => {
    const jwt = { HUB_JWT_SECRET: 'x'.repeat(32), HUB_JWKS_URL: 'https://idp.example/.well-known/jwks.json', HUB_JWT_ISSUER: 'https://idp.example', HUB_JWT_AUDIENCE: 'hub' }
    expect(loadConfig(jwt)).toMatchObject(jwt)
    expect(() => loadConfig({ HUB_JWT_ISSUER: 'https://idp.example' })).toThrow(/^HUB_JWT_ISSUER is set, but no JWT is accepted/)
    expect(() => loadConfig({ HUB_JWT_AUDIENCE: 'hub' })).toThrow(/^HUB_JWT_AUDIENCE is set/)
  })

  it('reads MESSAGE_RETENTION as a duration, forever by default', () => {
    expect(retentionMs(loadConfig({}))).toBeNull()
    expect(retentionMs(loadConfig({ MESSAGE_RETENTION: '30d' }))).toBe(30 * 86_400_000)
    expect(retentionMs(loadConfig({ MESSAGE_RETENTION: '12h' }))).toBe(12 * 3_600_000)
    expect(retentionMs(loadConfig({ MESSAGE_RETENTION: '45s' }))).toBe(45_000)
    for (const bad of ['30', '0d', '1w', '-1d', '1.5d']) expect(() => loadConfig({ MESSAGE_RETENTION: bad }), bad).toThrow(/^invalid MESSAGE_RETENTION/)
  })
})
