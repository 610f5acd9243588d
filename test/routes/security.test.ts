// HTTP hardening: security headers (with a /docs page that still loads under its CSP), CORS
// closed unless an origin is listed, the per-address REST rate limit, and the Origin check on
// /ws upgrades. Each refusal has the hub's error shape, is counted in hub_limit_breaches_total,
// and leaves stored data unchanged; the hub keeps serving well-behaved clients.
import { afterEach, describe, expect, it } from 'vitest'
import type { App } from '../../src/app.js'
import { buildTestApp, startHub, type TestHub } from '../helpers/hub.js'
import { breaches } from '../helpers/metrics.js'
import { refusedUpgrade, WsAgent } from '../helpers/ws-agent.js'

let close: (() => Promise<void>) | undefined

afterEach(async () => {
  await close?.()
  close = undefined
})

async function build(env: Record<string, string> = {}): Promise<App> {
  const built = await buildTestApp({ env })
  close = built.close
  return built.app
}

async function start(env: Record<string, string> = {}): Promise<TestHub> {
  const hub = await startHub({ env })
  close = hub.close
  return hub
}

describe('security headers', () => {
  it('are sent on API responses', async () => {
    const app = await build()
    const response = await app.inject({ url: '/services' })
    expect(response.statusCode).toBe(200)
    expect(response.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'cross-origin-opener-policy': 'same-origin',
      'referrer-policy': 'no-referrer',
    })
    expect(response.headers['content-security-policy']).toContain("default-src 'self'")
    expect(response.headers['x-powered-by']).toBeUndefined()
  })

  it('leave /docs loadable: its page uses only same-origin files, all served, and no inline script', async () => {
    const app = await build()
    const page = await app.inject({ url: '/docs/' })
    expect(page.statusCode).toBe(200)
    const csp = page.headers['content-security-policy'] as string
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("img-src 'self' data:")
    // The hub speaks plain HTTP: upgrading the page's own assets to https would break it.
    expect(csp).not.toContain('upgrade-insecure-requests')

    const scripts = [...page.body.matchAll(/<script([^>]*)>([^<]*)<\/script>/g)]
    expect(scripts.length).toBeGreaterThan(0)
    expect(scripts.every(([, , body]) => (body ?? '').trim() === '')).toBe(true)
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map(([, url]) => url as string)
    expect(assets.length).toBeGreaterThan(0)
    for (const asset of assets) {
      expect(asset).toMatch(/^\.\//)
      expect((await app.inject({ url: new URL(asset, 'http://hub/docs/').pathname })).statusCode, asset).toBe(200)
    }
    expect((await app.inject({ url: '/docs/json' })).statusCode).toBe(200)
  })
})

describe('CORS', () => {
  it('is closed by default: no CORS headers for any origin, no preflight', async () => {
    const app = await build()
    const simple = await app.inject({ url: '/services', headers: { origin: 'https://evil.example' } })
    expect(simple.statusCode).toBe(200)
    expect(simple.headers['access-control-allow-origin']).toBeUndefined()
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/services',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    })
    expect(preflight.statusCode).toBeGreaterThanOrEqual(400)
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined()
    expect(preflight.headers['access-control-allow-methods']).toBeUndefined()
  })

  it('opens to the origins in CORS_ORIGINS only', async () => {
    const app = await build({ CORS_ORIGINS: 'https://app.example, https://ops.example/' })
    for (const origin of ['https://app.example', 'https://ops.example']) {
      const allowed = await app.inject({ url: '/services', headers: { origin } })
      expect(allowed.headers['access-control-allow-origin']).toBe(origin)
      expect(allowed.headers.vary).toContain('Origin')
    }
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/services',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    })
    expect(preflight.statusCode).toBe(204)
    expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example')
    const other = await app.inject({ url: '/services', headers: { origin: 'https://evil.example' } })
    expect(other.headers['access-control-allow-origin']).toBeUndefined()
  })
})

describe('REST rate limit (RATE_LIMIT_PER_MINUTE=3)', () => {
  it('answers past the limit with 429 RATE_LIMITED and stores nothing', async () => {
    const app = await build({ RATE_LIMIT_PER_MINUTE: '3' })
    for (let i = 0; i < 3; i++) expect((await app.inject({ url: '/services' })).statusCode).toBe(200)
    const refused = await app.inject({
      method: 'POST',
      url: '/services',
      payload: { service_id: 'late-svc', provider_id: 'late-provider' },
    })
    expect(refused.statusCode).toBe(429)
    expect(refused.json()).toEqual({ error: { code: 'RATE_LIMITED', message: expect.stringMatching(/^More than 3 requests a minute/) } })
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0)
    expect(await app.store.services.get('late-svc')).toBeNull()
    expect(await app.store.agents.get('late-provider')).toBeNull()
    expect(await breaches(app, 'rate_limit_per_minute')).toBe(1)
  })

  it('counts per client address and leaves health, readiness and metrics unlimited', async () => {
    const app = await build({ RATE_LIMIT_PER_MINUTE: '3' })
    for (let i = 0; i < 4; i++) await app.inject({ url: '/services' })
    expect((await app.inject({ url: '/services' })).statusCode).toBe(429)
    for (let i = 0; i < 5; i++) {
      for (const url of ['/healthz', '/readyz', '/metrics']) expect((await app.inject({ url })).statusCode, url).toBe(200)
    }
    const elsewhere = await app.inject({ url: '/docs/json', remoteAddress: '203.0.113.7' })
    expect(elsewhere.statusCode).toBe(200)
  })

  it('covers /ws upgrades too, refused with the same JSON error', async () => {
    const hub = await start({ RATE_LIMIT_PER_MINUTE: '2' })
    for (let i = 0; i < 2; i++) await fetch(`${hub.httpUrl}/services`)
    expect(await refusedUpgrade(hub.wsUrl, '?agent_id=late')).toMatchObject({ status: 429, body: { error: { code: 'RATE_LIMITED' } } })
    expect(await hub.app.store.agents.get('late')).toBeNull()
    expect(await breaches(hub.app, 'rate_limit_per_minute')).toBe(1)
  })

  it('is documented on each limited route and not on the probes', async () => {
    const app = await build()
    const spec = app.swagger() as unknown as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> }
    expect(spec.paths['/channels']?.get?.responses['429']).toBeDefined()
    expect(spec.paths['/services']?.post?.responses['429']).toBeDefined()
    expect(spec.paths['/healthz']?.get?.responses['429']).toBeUndefined()
  })
})

describe('/ws Origin check', () => {
  it('refuses an upgrade from a page whose origin is not listed with 403, and creates nothing', async () => {
    const hub = await start()
    // Not even a page on the hub's own machine: a site can resolve its name to 127.0.0.1.
    for (const origin of ['https://evil.example', hub.httpUrl, 'null']) {
      const refused = await refusedUpgrade(hub.wsUrl, '?agent_id=victim', { headers: { origin } })
      expect(refused).toEqual({
        status: 403,
        body: { error: { code: 'ORIGIN_NOT_ALLOWED', message: `Origin "${origin}" may not open /ws (see WS_ALLOWED_ORIGINS)` } },
      })
    }
    expect(await hub.app.store.agents.get('victim')).toBeNull()
    expect(hub.app.transport.router.connectionsOf('victim')).toBe(0)
    expect(await breaches(hub.app, 'ws_allowed_origins')).toBe(3)

    // Agents that are not browsers send no Origin, and are served.
    const agent = await WsAgent.connect(hub.wsUrl, 'victim')
    expect(await agent.request({ type: 'ping' }, 'pong')).toMatchObject({ type: 'pong' })
    await agent.close()
  })

  it('admits pages from the origins in WS_ALLOWED_ORIGINS', async () => {
    const hub = await start({ WS_ALLOWED_ORIGINS: 'https://console.example,http://localhost:3000' })
    const agent = await WsAgent.connect(hub.wsUrl, 'browser-agent', '', { headers: { origin: 'http://localhost:3000' } })
    expect(await agent.request({ type: 'ping' }, 'pong')).toMatchObject({ type: 'pong' })
    await agent.close()
    expect((await refusedUpgrade(hub.wsUrl, '?agent_id=browser-agent', { headers: { origin: 'http://localhost:3001' } })).status).toBe(403)
    expect(await breaches(hub.app, 'ws_allowed_origins')).toBe(1)
  })
})
