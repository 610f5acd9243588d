// What every fault test measures besides the tally: how long the hub took to serve again once the
// fault was lifted (ready, and acking new messages), what it refused meanwhile, and one line
// with all of it, printed for the record.
import { until } from '../helpers/poll.js'
import type { HubProcess } from '../helpers/process.js'
import type { Tally, Traffic } from './traffic.js'

/** Seconds from `liftedAt` until /readyz says ready and an ack has come since. */
export async function secondsToRecover(httpUrl: string, traffic: Traffic, liftedAt: number, timeoutMs = 30_000): Promise<number> {
  const ackedBefore = traffic.acked
  await until(async () => (await readiness(httpUrl)) === 200 && traffic.acked > ackedBefore, timeoutMs, 'the hub ready and acking again')
  return (Date.now() - liftedAt) / 1000
}

/** /readyz's status, or 0 when it does not answer within `timeoutMs`. */
export async function readiness(httpUrl: string, timeoutMs = 5000): Promise<number> {
  return fetch(`${httpUrl}/readyz`, { signal: AbortSignal.timeout(timeoutMs) }).then(
    (response) => response.status,
    () => 0,
  )
}

/** A counter of the hub's /metrics, summed over the series whose labels include `labels`. */
export async function metric(httpUrl: string, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text()
  return text
    .split('\n')
    .filter((line) => (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) && line.includes(labels))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0)
}

export function record(fault: string, tally: Tally, seconds: number, hubs: HubProcess[], extra = ''): void {
  const up = hubs.every((hub) => hub.child.exitCode === null && hub.child.signalCode === null)
  console.log(
    `fault ${fault}: sent ${tally.sent}, acked ${tally.acked}, stored ${tally.stored}, delivered ${tally.delivered}, ` +
      `lost ${tally.lost}, duplicates ${tally.duplicates}, recovered in ${seconds.toFixed(2)} s, process up: ${up}${extra ? `; ${extra}` : ''}`,
  )
}
