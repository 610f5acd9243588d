// Reads the hub's own metrics the way a scraper does, from GET /metrics.
import type { App } from '../../src/app.js'

/** hub_limit_breaches_total for one limit. */
export async function breaches(app: App, limit: string): Promise<number> {
  const text = (await app.inject({ url: '/metrics' })).body
  const line = new RegExp(`^hub_limit_breaches_total\\{limit="${limit}"\\} (\\d+)$`, 'm').exec(text)
  if (!line) throw new Error(`no hub_limit_breaches_total series for ${limit}`)
  return Number(line[1])
}
