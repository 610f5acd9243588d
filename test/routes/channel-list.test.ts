// GET /channels through app.inject: filters by agent, service and status, and cursor pages.
import { describe, expect, it } from 'vitest'
import type { ChannelInfo } from '../../src/protocol/shapes.js'
import { expectError, useRestApi } from '../helpers/rest.js'

const { unique, post, get, openChannel, registerService } = useRestApi()

describe('GET /channels', () => {
  it('filters by agent_id (either role), service_id and status', async () => {
    const agent = unique('hub-agent')
    const serviceId = await registerService(agent)
    const asProvider = await openChannel(agent, unique('cons'), serviceId)
    const asConsumer = await openChannel(unique('prov'), agent)
    const ended = await openChannel(agent, unique('cons'))
    await openChannel() // someone else's
    expect((await post(`/channels/${ended.channel_id}/end`, {})).statusCode).toBe(200)

    const ids = async (query: string) => {
      const response = await get(`/channels?${query}`)
      expect(response.statusCode).toBe(200)
      return response.json<{ channels: ChannelInfo[] }>().channels.map((c) => c.channel_id)
    }
    expect(await ids(`agent_id=${agent}`)).toEqual([asProvider.channel_id, asConsumer.channel_id, ended.channel_id])
    expect(await ids(`service_id=${serviceId}`)).toEqual([asProvider.channel_id])
    expect(await ids(`agent_id=${agent}&status=ended`)).toEqual([ended.channel_id])
    expect(await ids(`agent_id=${agent}&status=active`)).toEqual([asProvider.channel_id, asConsumer.channel_id])
    expect(await ids(`agent_id=${agent}&status=pending`)).toEqual([])
    const endedEverywhere = await ids('status=ended&limit=200')
    expect(endedEverywhere).toContain(ended.channel_id)
    expect(endedEverywhere).not.toContain(asProvider.channel_id)
  })

  it('walks every channel exactly once page by page with next_cursor, null at the end', async () => {
    const agent = unique('pager')
    const created: string[] = []
    for (let i = 0; i < 7; i++) created.push((await openChannel(agent, unique('cons'))).channel_id)

    const seen: string[] = []
    const pageSizes: number[] = []
    let cursor: string | null = null
    for (let pages = 0; pages < 10; pages++) {
      const response = await get(`/channels?agent_id=${agent}&limit=3${cursor ? `&cursor=${cursor}` : ''}`)
      expect(response.statusCode).toBe(200)
      const page = response.json<{ channels: ChannelInfo[]; next_cursor: string | null }>()
      pageSizes.push(page.channels.length)
      seen.push(...page.channels.map((c) => c.channel_id))
      cursor = page.next_cursor
      if (cursor === null) break
    }
    expect(cursor).toBeNull()
    expect(pageSizes).toEqual([3, 3, 1])
    expect(seen).toEqual(created)
  })

  it('ends with next_cursor null when the last page is exactly full', async () => {
    const agent = unique('exact')
    for (let i = 0; i < 4; i++) await openChannel(agent, unique('cons'))
    const first = (await get(`/channels?agent_id=${agent}&limit=2`)).json<{ next_cursor: string | null }>()
    expect(first.next_cursor).not.toBeNull()
    const second = (await get(`/channels?agent_id=${agent}&limit=2&cursor=${first.next_cursor}`)).json<{
      channels: unknown[]
      next_cursor: string | null
    }>()
    expect(second.channels).toHaveLength(2)
    expect(second.next_cursor).toBeNull()
  })

  it.each(['status=open', 'limit=0', 'limit=201', 'agent_id=bad%20id', 'limit=ten'])('refuses %s with 400', async (query) => {
    expectError(await get(`/channels?${query}`), 400, 'INVALID_REQUEST')
  })
})
