// The load generator as several child processes (load-worker.ts), each driving its share of the
// pairs: one process's event loop would bound the figures long before the hub does. Their CPU
// time is measured, so that a run shows the generator was not the bound.
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { LoadResult, PairUrls, Workload } from './load.js'
import type { WorkerCommand } from './load-worker.js'
import { cpuSeconds } from './servers.js'

const WORKER = fileURLToPath(new URL('./load-worker.ts', import.meta.url))

export interface Generator {
  /** Runs the workload over every process (an open loop's rate split between them). */
  run(workload: Workload): Promise<{ result: LoadResult; cpuCores: number[] }>
  close(): Promise<void>
}

function ask(child: ChildProcess, command: WorkerCommand, reply: string): Promise<{ result?: LoadResult }> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { kind: string; result?: LoadResult }) => {
      if (message.kind !== reply) return
      child.off('message', onMessage)
      child.off('exit', onExit)
      resolve(message)
    }
    const onExit = (code: number | null) => reject(new Error(`a load generator exited (${code})`))
    child.on('message', onMessage)
    child.once('exit', onExit)
    child.send(command)
  })
}

/** `processes` generators, pair i (agents `${tag}-p<i>`, `${tag}-c<i>`) on process i mod processes. */
export async function startGenerator(urls: PairUrls, channelIds: string[], tag: string, processes: number): Promise<Generator> {
  const count = Math.min(processes, channelIds.length)
  const children = Array.from({ length: count }, () => fork(WORKER, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }))
  const numbers = children.map((_, i) => channelIds.map((_, pair) => pair).filter((pair) => pair % count === i))
  const shares = numbers.map((share) => share.map((pair) => channelIds[pair] as string))
  await Promise.all(
    children.map((child, i) => ask(child, { kind: 'connect', urls, channelIds: shares[i] as string[], numbers: numbers[i] as number[], tag }, 'connected')),
  )
  return {
    async run(workload) {
      const before = children.map((child) => cpuSeconds(child.pid as number))
      const results = await Promise.all(
        children.map((child, i) => {
          const share = { ...workload, pairs: (shares[i] as string[]).length, rate: (workload.rate * (shares[i] as string[]).length) / channelIds.length }
          return ask(child, { kind: 'run', workload: share }, 'result').then((reply) => reply.result as LoadResult)
        }),
      )
      const seconds = Math.max(...results.map((result) => result.seconds))
      const cpuCores = children.map((child, i) => (cpuSeconds(child.pid as number) - (before[i] as number)) / seconds)
      return { result: merge(results, seconds), cpuCores }
    },
    async close() {
      await Promise.all(children.map((child) => new Promise((resolve) => (child.once('exit', resolve), child.send({ kind: 'close' })))))
    },
  }
}

function merge(results: LoadResult[], seconds: number): LoadResult {
  const total = (key: 'sent' | 'acked' | 'delivered' | 'refused' | 'disconnects') => results.reduce((sum, result) => sum + result[key], 0)
  return {
    sent: total('sent'),
    acked: total('acked'),
    delivered: total('delivered'),
    refused: total('refused'),
    disconnects: total('disconnects'),
    seconds,
    latencyMs: results.flatMap((result) => result.latencyMs),
    ackMs: results.flatMap((result) => result.ackMs),
  }
}
