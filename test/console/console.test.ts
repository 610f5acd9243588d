// The console end to end, in real headless Chromium: the page opens as the operator (from the
// hub's machine, then with the admin token), shows an agent connecting and a message arriving
// live, ends a channel from its form, and never shows an API key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { startHub, type TestHub } from '../helpers/hub.js'
import { issueKey } from '../helpers/keys.js'
import { WsAgent, openChannel } from '../helpers/ws-agent.js'
import { launchChromium, screenshotPath } from './browser.js'

let browser: Browser
beforeAll(async () => {
  browser = await launchChromium()
})
afterAll(() => browser.close())

async function openPage(url: string, viewport = { width: 1280, height: 800 }): Promise<Page> {
  const page = await browser.newPage({ viewport })
  // A failure names the step that did not happen, within the test's own timeout.
  page.setDefaultTimeout(15_000)
  page.on('pageerror', (error) => console.error('console page error:', error.message))
  await page.goto(url)
  return page
}

const row = (page: Page, table: string, text: string) => page.locator(`#${table} tbody tr`, { hasText: text })

describe('console, from the hub’s machine', () => {
  let hub: TestHub
  beforeAll(async () => {
    hub = await startHub()
  })
  afterAll(() => hub.close())

  it('shows an agent connect and a message arrive, and ends a channel', async () => {
    const page = await openPage(`${hub.httpUrl}/console`)
    await page.locator('#status', { hasText: 'live' }).waitFor()

    const key = await issueKey(hub.httpUrl, 'weather-bot')
    const provider = await WsAgent.connectAs(hub.wsUrl, '', { headers: { authorization: `Bearer ${key}` } })
    await row(page, 'agents', 'weather-bot').locator('.online').waitFor()
    const consumer = await WsAgent.connect(hub.wsUrl, 'trip-planner')
    await provider.ask({ type: 'register_service', service_id: 'weather', description: 'Forecasts by city' }, 'register_service')
    const channelId = await openChannel(provider, consumer, 'weather')
    await row(page, 'channels', channelId).locator('.status-active').waitFor()
    await row(page, 'services', 'weather').waitFor()

    await consumer.ask({ type: 'chat_message', channel_id: channelId, content: 'Will it rain in Lisbon tomorrow?' }, 'ack')
    await provider.ask({ type: 'chat_message', channel_id: channelId, content: 'Light showers after 15:00, 70% chance.' }, 'ack')
    await page.locator('#tail li', { hasText: 'Light showers after 15:00' }).waitFor()
    await page.locator(`[data-last-seq="${channelId}"]`, { hasText: '2' }).waitFor()
    await page.screenshot({ path: screenshotPath('console.png'), fullPage: true })

    await page.selectOption('#end-channel', channelId)
    await page.fill('#end-reason', 'maintenance window')
    await page.click('#end-form button')
    const ended = await consumer.next('chat_end', (frame) => frame.channel_id === channelId)
    expect(ended).toMatchObject({ reason: 'maintenance window', ended_by: 'admin' })
    await row(page, 'channels', channelId).locator('.status-ended').waitFor()
    await page.locator('#end-result', { hasText: 'ended' }).waitFor()
    await page.screenshot({ path: screenshotPath('console-ended.png'), fullPage: true })

    expect(await page.content()).not.toContain(key)
    await provider.close()
    await row(page, 'agents', 'weather-bot').locator('.offline').waitFor()
    await consumer.close()
    await page.close()
  })
})

describe('console, with HUB_ADMIN_TOKEN', () => {
  const token = 'console-admin-token-0123456789'
  let hub: TestHub
  beforeAll(async () => {
    hub = await startHub({ env: { HUB_ADMIN_TOKEN: token } })
  })
  afterAll(() => hub.close())

  it('asks for the token, then shows the hub live', async () => {
    const page = await openPage(`${hub.httpUrl}/console`)
    await page.locator('#login').waitFor()
    await page.fill('#token', 'not-the-token-at-all')
    await page.click('#login button')
    await page.locator('#login').waitFor()
    await page.fill('#token', token)
    await page.click('#login button')
    await page.locator('#status', { hasText: 'live' }).waitFor()

    const key = await issueKey(hub.httpUrl, 'keyed-agent', { authorization: `Bearer ${token}` })
    const agent = await WsAgent.connectAs(hub.wsUrl, '', { headers: { authorization: `Bearer ${key}` } })
    await row(page, 'agents', 'keyed-agent').locator('.online').waitFor()
    expect(await page.content()).not.toContain(key)
    await agent.close()
    await page.close()
  })
})
