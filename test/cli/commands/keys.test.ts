// `keys issue|rotate|revoke` against a real hub: only the operator (the admin token, or keyless
// from this machine on a hub without one) manages keys; an issued key works at once, a rotated
// or revoked one stops working, and a listener on it is told so and exits 4.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHub, type TestHub } from '../../helpers/hub.js'
import { cli, SEVERAL_RUNS, spawnCli } from '../run-cli.js'

const ADMIN_TOKEN = 'operator-token-for-the-cli-tests'

describe('keys, with HUB_ADMIN_TOKEN', SEVERAL_RUNS, () => {
  let hub: TestHub
  let env: Record<string, string>
  beforeAll(async () => {
    hub = await startHub({ env: { HUB_ADMIN_TOKEN: ADMIN_TOKEN } })
    env = { HUB_URL: hub.httpUrl }
  })
  afterAll(() => hub.close())
  const asAgent = (key: string) => ({ ...env, AGENT_ID: 'bot', HUB_API_KEY: key })

  it('are refused without the admin token (4)', async () => {
    const run = await cli(['keys', 'issue', 'bot'], env)
    expect(run.code).toBe(4)
    expect(run.stderr).toContain('401 UNAUTHORIZED')
  })

  it('issue a working key once, rotate it, and revoke it', async () => {
    const issued = await cli(['keys', 'issue', 'bot', '--name', 'The Bot'], { ...env, HUB_ADMIN_TOKEN: ADMIN_TOKEN })
    expect(issued.code).toBe(0)
    const key = issued.stdout.trim()
    expect(issued.stdout).toBe(`${key}\n`)
    expect(issued.stderr).toContain('issued an API key for bot')
    expect(await cli(['channels'], asAgent(key))).toMatchObject({ code: 0 })
    expect((await cli(['keys', 'issue', 'bot', '--admin-token', ADMIN_TOKEN], env)).code).toBe(6)

    const listener = spawnCli(['listen'], { ...asAgent(key), HUB_URL: hub.wsUrl })
    await listener.waitFor('listening as bot', 'stderr')
    const rotated = await cli(['keys', 'rotate', 'bot', '--json'], { ...env, HUB_ADMIN_TOKEN: ADMIN_TOKEN })
    expect(rotated.code).toBe(0)
    const fresh = (JSON.parse(rotated.stdout) as { agent: { agent_id: string }; api_key: string }).api_key
    expect(fresh).not.toBe(key)
    expect(await listener.exited).toBe(4)
    expect(listener.stderr()).toContain('stopped listening')
    expect((await cli(['channels'], asAgent(key))).code).toBe(4)
    expect((await cli(['channels'], asAgent(fresh))).code).toBe(0)

    const revoked = await cli(['keys', 'revoke', 'bot'], { ...env, HUB_ADMIN_TOKEN: ADMIN_TOKEN })
    expect(revoked).toMatchObject({ code: 0, stdout: 'revoked the API key of bot\n' })
    expect((await cli(['channels'], asAgent(fresh))).code).toBe(4)
  })

  it('are not found for an agent the hub does not know (5)', async () => {
    expect((await cli(['keys', 'rotate', 'nobody'], { ...env, HUB_ADMIN_TOKEN: ADMIN_TOKEN })).code).toBe(5)
  })
})

describe('keys, on a hub without an admin token', SEVERAL_RUNS, () => {
  let hub: TestHub
  beforeAll(async () => (hub = await startHub()))
  afterAll(() => hub.close())

  it('are issued to the operator on the same machine, even with agent credentials set', async () => {
    const run = await cli(['keys', 'issue', 'local-bot', '--json'], { HUB_URL: hub.httpUrl, AGENT_ID: 'someone' })
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ agent: { agent_id: 'local-bot' }, api_key: expect.any(String) })
  })
})
