// One load-generator process: connects its share of the pairs, then runs each workload the
// parent sends over IPC and sends back the figures. Several of them drive one server, so that
// the generator, not the server, is never the bound (see generator.ts).
import { closePairs, connectPairs, runLoad, type PairUrls, type Workload } from './load.js'

export type WorkerCommand =
  | { kind: 'connect'; urls: PairUrls; channelIds: string[]; numbers: number[]; tag: string }
  | { kind: 'run'; workload: Workload }
  | { kind: 'close' }

const send = (message: unknown) => process.send?.(message)
let pairs: Awaited<ReturnType<typeof connectPairs>> = []

process.on('message', (command: WorkerCommand) => {
  void (async () => {
    if (command.kind === 'connect') {
      pairs = await connectPairs(command.urls, command.channelIds, command.tag, command.numbers)
      send({ kind: 'connected' })
    } else if (command.kind === 'run') {
      send({ kind: 'result', result: await runLoad(pairs, command.workload) })
    } else {
      await closePairs(pairs)
      process.exit(0)
    }
  })().catch((error: unknown) => {
    console.error(error)
    process.exit(1)
  })
})
