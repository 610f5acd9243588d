// Several hub processes as one cluster: one database, one Redis (the machine's, or a private
// redis-server a test may stop and restart), a key prefix of their own so that concurrent tests
// never hear each other.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { connect } from 'node:net'
import { tempPostgresUrl, type TempDatabase } from './database.js'
import { until } from './poll.js'
import { freshPort, spawnHub, waitReady, type HubProcess } from './process.js'

export const SHARED_REDIS_URL = process.env.HUB_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

export interface ClusterHub extends HubProcess {
  port: string
  wsUrl: string
}

export interface TestCluster {
  hubs: ClusterHub[]
  database: TempDatabase
  env: Record<string, string>
  /** Starts one more instance of the cluster. */
  spawn(): Promise<ClusterHub>
  stop(): Promise<void>
}

export async function startCluster(instances: number, redisUrl = SHARED_REDIS_URL, env: Record<string, string> = {}): Promise<TestCluster> {
  const database = await tempPostgresUrl()
  const shared = {
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: `test-${randomBytes(4).toString('hex')}:`,
    PRESENCE_TTL_MS: '1500',
    MAX_FRAMES_PER_SECOND: '5000',
    ...env,
  }
  const hubs: ClusterHub[] = []
  const spawnOne = async (): Promise<ClusterHub> => {
    const port = freshPort()
    const hub = { ...spawnHub({ ...shared, PORT: port }), port, wsUrl: `ws://127.0.0.1:${port}` }
    hubs.push(hub)
    await waitReady(hub)
    return hub
  }
  await Promise.all(Array.from({ length: instances }, spawnOne))
  hubs.sort((a, b) => Number(a.port) - Number(b.port))
  return {
    hubs,
    database,
    env: shared,
    spawn: spawnOne,
    stop: async () => {
      await Promise.all(hubs.map((hub) => hub.stop('SIGKILL')))
      await database.remove()
    },
  }
}

/** A redis-server of the test's own, which it may kill and start again on the same port. */
export interface PrivateRedis {
  url: string
  start(): Promise<void>
  kill(): Promise<void>
}

export async function privateRedis(): Promise<PrivateRedis> {
  const port = freshPort()
  let child: ChildProcess | undefined
  const redis: PrivateRedis = {
    url: `redis://127.0.0.1:${port}`,
    start: async () => {
      child = spawn('redis-server', ['--port', port, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
        stdio: 'ignore',
      })
      await until(() => listening(Number(port)), 5000, `redis-server on port ${port}`)
    },
    kill: async () => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((resolve) => child?.once('exit', resolve))
      child.kill('SIGKILL')
      await exited
    },
  }
  await redis.start()
  return redis
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}
