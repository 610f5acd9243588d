// The environment is validated once, with defaults, and a bad value is named.
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../src/config.js'

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
  ])('stops on %s=%s with a message naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError)
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^invalid ${name}=`))
  })

  it('never prints the admin token', () => {
    expect(() => loadConfig({ HUB_ADMIN_TOKEN: 'short' })).toThrow('invalid HUB_ADMIN_TOKEN=(hidden)')
  })
})
