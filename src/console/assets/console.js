// The console's page script: reads agents, services and channels from the hub's REST API with the
// operator's credentials (none from the hub's own machine; the admin token otherwise, kept in this
// tab's sessionStorage), then follows /console/events (Server-Sent Events, read with fetch so
// that the token goes in a header) to update the tables and the live tail. Everything shown is
// set as text, never as HTML.
'use strict'

const TOKEN_KEY = 'claw-chat-hub-admin-token'
const TAIL_MAX = 200
const REFRESH_MS = 10_000
const $ = (id) => document.getElementById(id)
const state = { channels: new Map(), tail: '' }

function headers(extra = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY)
  return token ? { ...extra, authorization: `Bearer ${token}` } : extra
}

async function api(path, init = {}) {
  const response = await fetch(path, { ...init, headers: headers(init.headers) })
  if (response.status === 401 || response.status === 403) {
    showLogin()
    throw new Error(`${path}: ${response.status}`)
  }
  const body = await response.json()
  if (!response.ok) throw new Error(body.error ? `${body.error.code}: ${body.error.message}` : `${path}: ${response.status}`)
  return body
}

/** Every item of a listed resource, following next_cursor (at most `pages` pages). */
async function all(path, key, pages = 10) {
  const items = []
  let cursor = null
  for (let i = 0; i < pages; i++) {
    const page = await api(`${path}?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
    items.push(...page[key])
    cursor = page.next_cursor
    if (!cursor) break
  }
  return items
}

const cell = (text, className = '') => Object.assign(document.createElement('td'), { textContent: text ?? '—', className })

function fill(tableId, rows, toCells) {
  const body = $(tableId).tBodies[0]
  body.replaceChildren(...rows.map((row) => {
    const tr = document.createElement('tr')
    tr.append(...toCells(row))
    return tr
  }))
}

async function loadAgents() {
  const agents = await all('/agents', 'agents')
  const online = agents.filter((agent) => agent.online).length
  $('agents-summary').textContent = `${online} online of ${agents.length}`
  fill('agents', agents, (agent) => {
    const tr = [cell(agent.agent_id), cell(agent.online ? 'online' : 'offline', agent.online ? 'online' : 'offline'), cell(String(agent.connections)), cell(agent.last_seen_at)]
    tr[0].dataset.agent = agent.agent_id
    return tr
  })
}

async function loadServices() {
  fill('services', await all('/services', 'services'), (s) => [cell(s.service_id), cell(s.provider_id), cell(s.description)])
}

async function loadChannels() {
  const channels = (await all('/channels', 'channels')).reverse()
  state.channels = new Map(channels.map((c) => [c.channel_id, c]))
  fill('channels', channels, (c) => {
    const cells = [cell(c.channel_id), cell(c.provider_id), cell(c.consumer_id), cell(c.service_id), cell(c.status, `status-${c.status}`), cell(String(c.last_seq))]
    cells[5].dataset.lastSeq = c.channel_id
    return cells
  })
  const options = (select, list, first) => {
    const chosen = select.value
    select.replaceChildren(...first, ...list.map((c) => new Option(`${c.channel_id} (${c.provider_id} ↔ ${c.consumer_id})`, c.channel_id)))
    select.value = [...select.options].some((o) => o.value === chosen) ? chosen : select.options[0]?.value ?? ''
  }
  options($('end-channel'), channels.filter((c) => c.status === 'active' || c.status === 'pending'), [])
  options($('tail-channel'), channels, [new Option('all channels', '')])
}

// Reloads each list at most once per 300 ms, however many events arrive.
const scheduled = new Map()
function reload(load) {
  if (scheduled.has(load)) return
  scheduled.set(load, setTimeout(() => {
    scheduled.delete(load)
    load().catch(report)
  }, 300))
}

function showMessage(message) {
  if (state.tail && message.channel_id !== state.tail) return
  const li = document.createElement('li')
  const meta = document.createElement('span')
  meta.className = 'meta'
  meta.textContent = `${message.timestamp.slice(11, 23)} ${message.channel_id} #${message.seq} ${message.sender_id}:`
  li.append(meta, document.createTextNode(message.content))
  li.dataset.channel = message.channel_id
  const tail = $('tail')
  tail.prepend(li)
  while (tail.children.length > TAIL_MAX) tail.lastChild.remove()
}

// Services have no event of their own: they are read again with the agents and channels, and
// every REFRESH_MS with everything else.
function onEvent(name, data) {
  if (name === 'presence') [loadAgents, loadServices].forEach(reload)
  else if (name === 'channel') [loadChannels, loadServices].forEach(reload)
  else if (name === 'resync') [loadAgents, loadServices, loadChannels].forEach(reload)
  else if (name === 'message') {
    showMessage(data.message)
    const seq = document.querySelector(`[data-last-seq="${CSS.escape(data.message.channel_id)}"]`)
    if (seq) seq.textContent = String(data.message.seq)
    else reload(loadChannels)
  }
}

async function follow() {
  const response = await fetch('/console/events', { headers: headers(), cache: 'no-store' })
  if (!response.ok || !response.body) throw new Error(`/console/events: ${response.status}`)
  setStatus('live', 'live')
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  for (;;) {
    const { value, done } = await reader.read()
    if (done) break
    buffer += value
    let end
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      const name = /^event: (.*)$/m.exec(block)?.[1]
      const data = /^data: (.*)$/m.exec(block)?.[1]
      if (name && data) onEvent(name, JSON.parse(data))
    }
  }
}

const setStatus = (text, className) => Object.assign($('status'), { textContent: text, className })
const report = (error) => setStatus(String(error.message ?? error), 'down')
const showLogin = () => {
  $('login').hidden = false
  setStatus('sign in as the operator', 'down')
}

async function start() {
  await Promise.all([loadAgents(), loadServices(), loadChannels()])
  setInterval(() => [loadAgents, loadServices, loadChannels].forEach(reload), REFRESH_MS)
  for (;;) {
    try {
      await follow()
    } catch (error) {
      report(error)
    }
    setStatus('reconnecting…', 'down')
    await new Promise((resolve) => setTimeout(resolve, 1000))
    await Promise.all([loadAgents(), loadChannels()]).catch(report)
  }
}

async function tailOf(channelId) {
  state.tail = channelId
  $('tail').replaceChildren()
  if (!channelId) return
  const page = await api(`/channels/${encodeURIComponent(channelId)}/messages?limit=20`)
  for (const message of page.messages) showMessage(message)
}

$('tail-channel').addEventListener('change', (event) => tailOf(event.target.value).catch(report))
$('login').addEventListener('submit', (event) => {
  event.preventDefault()
  sessionStorage.setItem(TOKEN_KEY, $('token').value)
  location.reload()
})
$('end-form').addEventListener('submit', (event) => {
  event.preventDefault()
  const id = $('end-channel').value
  if (!id) return
  const reason = $('end-reason').value || 'ended by the operator'
  api(`/channels/${encodeURIComponent(id)}/end`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ reason }),
  }).then(
    (channel) => {
      $('end-result').textContent = `${channel.channel_id} is ${channel.status}`
      return loadChannels()
    },
    (error) => ($('end-result').textContent = String(error.message)),
  )
})
start().catch(report)
