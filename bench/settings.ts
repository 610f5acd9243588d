// The benchmark's options (see bench/run.ts), with the full run's defaults and --quick's, checked
// before anything starts.
import { parseArgs } from 'node:util'

export const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    db: { type: 'string', default: 'both' },
    generators: { type: 'string' },
    'cpu-prof': { type: 'string' },
    instances: { type: 'string', default: '1' },
    pairs: { type: 'string' },
    size: { type: 'string' },
    seconds: { type: 'string' },
    rate: { type: 'string' },
    window: { type: 'string' },
    history: { type: 'string' },
    idle: { type: 'string' },
    connects: { type: 'string' },
    /** bench/latency.ts: run the relay too; record the hub's measured run with `perf record` into this file. */
    relay: { type: 'boolean', default: false },
    perf: { type: 'string' },
    /** bench/latency.ts: run the closed loop (window per sender, for throughput) instead of the open loop. */
    closed: { type: 'boolean', default: false },
  },
})
export const quick = args.quick === true
const setting = (value: string | undefined, full: number, fast: number) => Number(value ?? (quick ? fast : full))
export const pairs = setting(args.pairs, 50, 10)
export const size = setting(args.size, 256, 256)
export const seconds = setting(args.seconds, 10, 3)
export const rate = setting(args.rate, 2000, 1000)
export const window = setting(args.window, 32, 32)
export const historyRows = setting(args.history, 1_000_000, 20_000)
export const idleConnections = setting(args.idle, 10_000, 1_000)
export const connectCount = setting(args.connects, 2_000, 500)
/** The connect-rate hub accepts JWTs signed with this, as a backend would sign them. */
export const JWT_SECRET = 'bench-backend-secret-0123456789-abcdef'
export const instances = Number(args.instances)
/** With --cpu-prof DIR, every hub process writes a V8 CPU profile there when it exits. */
export const hubNodeArgs: string[] = [
  ...(args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof']}`] : []),
  // perf's samples name the JIT-compiled functions (a /tmp/perf-<pid>.map per process).
  ...(args.perf ? ['--perf-basic-prof-only-functions'] : []),
]
/** Load-generator processes (bench/generator.ts). */
export const generators = setting(args.generators, 3, 2)
/** The databases the hub is measured on, each beside the same relay run. */
export const databases: ('sqlite' | 'postgres')[] = args.db === 'both' ? (instances > 1 ? ['postgres'] : ['sqlite', 'postgres']) : [args.db as 'sqlite' | 'postgres']

function refuse(message: string): never {
  console.error(`bench: ${message}`)
  process.exit(2)
}
if (instances !== 1 && instances !== 2) refuse(`--instances takes 1 or 2, not ${args.instances}`)
if (!['sqlite', 'postgres', 'both'].includes(args.db)) refuse(`--db takes sqlite, postgres or both, not ${args.db}`)
if (instances > 1 && args.db === 'sqlite') {
  refuse(`--instances ${instances} needs --db postgres: the instances share one database, and a SQLite file belongs to one process`)
}
