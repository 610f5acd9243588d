// REST for channels through app.inject: opening, reading and ending. Listing is
// channel-list.test.ts's, messages channel-messages.test.ts's, reaching agents over /ws
// channels-live.test.ts's.
import { describe, expect, it } from 'vitest'
import type { ChannelInfo } from '../../src/protocol/shapes.js'
import { expectError, useRestApi } from '../helpers/rest.js'

const { unique, post, get, inject, openChannel, registerService } = useRestApi()

describe('POST /channels', () => {
  it('creates an active channel (201), then returns the same one (200) for the same pair and service', async () => {
    const providerId = unique('prov')
    const consumerId = unique('cons')
    const serviceId = await registerService(providerId)

    const first = await post('/channels', { provider_id: providerId, consumer_id: consumerId, service_id: serviceId })
    expect(first.statusCode).toBe(201)
    const created = first.json<ChannelInfo>()
    expect(created).toMatchObject({
      provider_id: providerId,
      consumer_id: consumerId,
      service_id: serviceId,
      status: 'active',
      last_seq: 0,
      ended_at: null,
    })
    expect(created.channel_id).toMatch(/^ch_[0-9A-Z]{26}$/)

    const again = await post('/channels', { provider_id: providerId, consumer_id: consumerId, service_id: serviceId })
    expect(again.statusCode).toBe(200)
    expect(again.json<ChannelInfo>().channel_id).toBe(created.channel_id)

    // Another service (here: none) is another channel.
    const direct = await post('/channels', { provider_id: providerId, consumer_id: consumerId })
    expect(direct.statusCode).toBe(201)
    expect(direct.json<ChannelInfo>().channel_id).not.toBe(created.channel_id)
  })

  it('opens exactly one channel when the same pair asks concurrently', async () => {
    const payload = { provider_id: unique('prov'), consumer_id: unique('cons') }
    const responses = await Promise.all(Array.from({ length: 6 }, () => post('/channels', payload)))
    expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 200, 200, 200, 200, 201])
    expect(new Set(responses.map((r) => r.json<ChannelInfo>().channel_id)).size).toBe(1)
  })

  it('opens a new channel once the previous one has ended', async () => {
    const channel = await openChannel()
    expect((await post(`/channels/${channel.channel_id}/end`, {})).statusCode).toBe(200)
    const next = await post('/channels', { provider_id: channel.provider_id, consumer_id: channel.consumer_id })
    expect(next.statusCode).toBe(201)
    expect(next.json<ChannelInfo>().channel_id).not.toBe(channel.channel_id)
  })

  it('refuses a provider that is also the consumer (400)', async () => {
    const agent = unique('self')
    expectError(await post('/channels', { provider_id: agent, consumer_id: agent }), 400)
  })

  it.each([
    ['a space', { provider_id: 'bad id', consumer_id: 'ok' }],
    ['a slash', { provider_id: 'ok', consumer_id: 'a/b' }],
    ['an empty id', { provider_id: '', consumer_id: 'ok' }],
    ['an id of 129 characters', { provider_id: 'x'.repeat(129), consumer_id: 'ok' }],
    ['a bad service id', { provider_id: 'ok', consumer_id: 'ok2', service_id: 'no spaces' }],
  ])('refuses an invalid agent or service id (%s) with 400', async (_name, payload) => {
    expectError(await post('/channels', payload), 400, 'INVALID_REQUEST')
  })

  it.each([
    ['a missing consumer_id', { provider_id: 'ok' }],
    ['a number for provider_id', { provider_id: 123, consumer_id: 'ok' }],
    ['an array for provider_id', { provider_id: ['ok'], consumer_id: 'ok2' }],
    ['an object for consumer_id', { provider_id: 'ok', consumer_id: { id: 'ok2' } }],
    ['a number for service_id', { provider_id: 'ok', consumer_id: 'ok2', service_id: 5 }],
    ['a boolean for consumer_id', { provider_id: 'ok', consumer_id: true }],
  ])('refuses a body with %s (400), as /ws does for the same schema', async (_name, payload) => {
    expectError(await post('/channels', payload), 400, 'INVALID_REQUEST')
  })

  it('refuses a body that is not an object (400)', async () => {
    const response = await inject({
      method: 'POST',
      url: '/channels',
      headers: { 'content-type': 'application/json' },
      payload: '["ok","ok2"]',
    })
    expectError(response, 400)
  })

  it('answers 404 SERVICE_NOT_FOUND for an unknown service', async () => {
    const response = await post('/channels', { provider_id: unique('prov'), consumer_id: unique('cons'), service_id: unique('nosvc') })
    expectError(response, 404, 'SERVICE_NOT_FOUND')
  })

  it('refuses a service that another agent provides (400)', async () => {
    const serviceId = await registerService(unique('owner'))
    const response = await post('/channels', { provider_id: unique('other'), consumer_id: unique('cons'), service_id: serviceId })
    expectError(response, 400)
  })
})

describe('GET /channels/:id', () => {
  it('reads a channel', async () => {
    const channel = await openChannel()
    const response = await get(`/channels/${channel.channel_id}`)
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual(channel)
  })

  it('answers 404 with the error shape for an unknown channel', async () => {
    expectError(await get('/channels/ch_00000000000000000000000000'), 404, 'CHANNEL_NOT_FOUND')
  })
})


describe('POST /channels/:id/end', () => {
  it('ends the channel (200), then refuses to end it again (409)', async () => {
    const channel = await openChannel()
    const response = await post(`/channels/${channel.channel_id}/end`, { reason: 'done here' })
    expect(response.statusCode).toBe(200)
    const ended = response.json<ChannelInfo>()
    expect(ended).toMatchObject({ channel_id: channel.channel_id, status: 'ended', end_reason: 'done here', ended_by: 'admin' })
    expect(ended.ended_at).not.toBeNull()
    expect((await get(`/channels/${channel.channel_id}`)).json<ChannelInfo>().status).toBe('ended')

    expectError(await post(`/channels/${channel.channel_id}/end`, {}), 409, 'CHANNEL_NOT_ACTIVE')
  })

  it('ends as a member named by ended_by', async () => {
    const channel = await openChannel()
    const response = await post(`/channels/${channel.channel_id}/end`, { ended_by: channel.consumer_id })
    expect(response.statusCode).toBe(200)
    expect(response.json<ChannelInfo>().ended_by).toBe(channel.consumer_id)
  })

  it('refuses ended_by of an agent outside the channel (403) and leaves it active', async () => {
    const channel = await openChannel()
    expectError(await post(`/channels/${channel.channel_id}/end`, { ended_by: unique('stranger') }), 403, 'FORBIDDEN')
    expect((await get(`/channels/${channel.channel_id}`)).json<ChannelInfo>().status).toBe('active')
  })

  it('works without a body', async () => {
    const channel = await openChannel()
    const response = await inject({ method: 'POST', url: `/channels/${channel.channel_id}/end` })
    expect(response.statusCode).toBe(200)
    expect(response.json<ChannelInfo>().status).toBe('ended')
  })

  it('answers 404 for an unknown channel', async () => {
    expectError(await post('/channels/ch_00000000000000000000000000/end', {}), 404, 'CHANNEL_NOT_FOUND')
  })
})
