// Runs the Dockerfile's own build and start steps without Docker (no engine runs here): each
// stage gets a root folder in a clean temporary directory; WORKDIR, COPY (from the build
// context, honouring .dockerignore, or --from a stage), ENV, RUN, VOLUME and USER are carried
// out there, absolute paths mapped into the stage's root. Then the final stage's CMD starts as
// an unprivileged user (`nobody` plays the image's user), the HEALTHCHECK command probes it, and
// SIGTERM must stop it cleanly. Exit code 0 means the image would build, start and be healthy.
import { execFileSync, execSync, spawn } from 'node:child_process'
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { basename, dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const context = fileURLToPath(new URL('..', import.meta.url))
/** Who plays the image's non-root user outside Docker. */
const STAND_IN_USER = 'nobody'

interface Stage {
  name: string
  root: string
  cwd: string
  env: Record<string, string>
  user: string
  cmd?: string[]
  healthcheck?: string[]
}

function instructions(dockerfile: string): [string, string][] {
  return dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const space = line.indexOf(' ')
      return [line.slice(0, space).toUpperCase(), line.slice(space + 1).trim()]
    })
}

/** Paths in the image live under the stage's root here. */
const mapPath = (stage: Stage, path: string) => (path.startsWith('/') ? join(stage.root, path) : join(stage.cwd, path))

/** The image's own folders (WORKDIR and VOLUME), whose mentions in ENV and RUN are mapped. */
let imageDirs: string[] = []
function mapPathsIn(stage: Stage, text: string): string {
  if (imageDirs.length === 0) return text
  const pattern = new RegExp(`(^|[\\s=:])((?:${imageDirs.map((d) => d.replace(/[/.]/g, '\\$&')).join('|')})(?:/[^\\s]*)?)(?=\\s|$)`, 'g')
  return text.replace(pattern, (_match, lead: string, path: string) => `${lead}${join(stage.root, path)}`)
}

function ignored(): string[] {
  const file = join(context, '.dockerignore')
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')) : []
}

function copy(stage: Stage, args: string, stages: Map<string, Stage>): void {
  const words = args.split(/\s+/)
  const from = words[0]?.startsWith('--from=') ? stages.get((words.shift() as string).slice(7)) : undefined
  const destination = words.pop() as string
  const target = mapPath(stage, destination)
  const skip = ignored()
  for (const source of words) {
    const path = from ? join(from.root, source) : join(context, source)
    const into = destination.endsWith('/') || words.length > 1 ? join(target, basename(source)) : target
    mkdirSync(dirname(into), { recursive: true })
    cpSync(path, into, {
      recursive: true,
      // As Docker does: a workspace's link in node_modules stays relative, into the stage it is copied to.
      verbatimSymlinks: true,
      filter: (file) => from !== undefined || !skip.some((pattern) => relative(context, file).split('/')[0] === pattern.replace(/\/$/, '') || relative(context, file) === pattern),
    })
  }
}

function run(stage: Stage, command: string): void {
  const mapped = mapPathsIn(stage, command).replace(/\bchown node:node\b/g, `chown ${STAND_IN_USER}:nogroup`)
  console.log(`[${stage.name}] RUN ${command}`)
  execSync(mapped, { cwd: stage.cwd, env: { ...process.env, ...stage.env }, stdio: 'inherit', shell: '/bin/sh' })
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'dockerfile-check-'))
  chmodSync(work, 0o755)
  const stages = new Map<string, Stage>()
  let stage: Stage | undefined
  const steps = instructions(readFileSync(join(context, 'Dockerfile'), 'utf8'))
  imageDirs = steps.filter(([keyword]) => keyword === 'WORKDIR' || keyword === 'VOLUME').map(([, args]) => args)
  try {
    for (const [keyword, args] of steps) {
      if (keyword === 'FROM') {
        const name = /\bAS\s+(\S+)/i.exec(args)?.[1] ?? `stage${stages.size}`
        stage = { name, root: join(work, name), cwd: join(work, name), env: {}, user: 'root' }
        mkdirSync(stage.root, { recursive: true })
        stages.set(name, stage)
        continue
      }
      if (!stage) throw new Error(`${keyword} before FROM`)
      if (keyword === 'WORKDIR') mkdirSync((stage.cwd = mapPath(stage, args)), { recursive: true })
      else if (keyword === 'COPY') copy(stage, args, stages)
      else if (keyword === 'ENV') {
        const [key, ...value] = args.split('=')
        stage.env[key as string] = mapPathsIn(stage, value.join('='))
      } else if (keyword === 'RUN') run(stage, args)
      else if (keyword === 'VOLUME') mkdirSync(mapPath(stage, args), { recursive: true })
      else if (keyword === 'USER') stage.user = args
      else if (keyword === 'CMD') stage.cmd = JSON.parse(args) as string[]
      else if (keyword === 'HEALTHCHECK') stage.healthcheck = JSON.parse(args.slice(args.indexOf('CMD') + 3).trim()) as string[]
    }
    if (!stage?.cmd || !stage.healthcheck) throw new Error('the final stage needs CMD and HEALTHCHECK in exec form')
    await start(stage)
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

async function start(stage: Stage): Promise<void> {
  const uid = Number(execFileSync('id', ['-u', STAND_IN_USER]).toString())
  const gid = Number(execFileSync('id', ['-g', STAND_IN_USER]).toString())
  for (const dir of [dirname(stage.env.DATABASE_URL?.replace(/^file:/, '') ?? '')]) if (existsSync(dir)) chownSync(dir, uid, gid)
  const env = { PATH: process.env.PATH ?? '', HOME: '/tmp', ...stage.env, PORT: String(await freePort()) }
  const [command, ...args] = stage.cmd as string[]
  console.log(`[${stage.name}] CMD ${JSON.stringify(stage.cmd)} as ${stage.user} (played by ${STAND_IN_USER}), PORT=${env.PORT}`)
  const hub = spawn(command as string, args, { cwd: stage.cwd, env, uid, gid, stdio: ['ignore', 'inherit', 'inherit'] })
  const exited = new Promise<number | null>((resolve) => hub.once('exit', (code) => resolve(code)))
  const [probe, ...probeArgs] = stage.healthcheck as string[]
  let healthy = false
  for (let attempt = 0; attempt < 60 && !healthy && hub.exitCode === null; attempt++) {
    try {
      execFileSync(probe as string, probeArgs, { env, stdio: 'ignore' })
      healthy = true
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
  }
  const health = await (await fetch(`http://127.0.0.1:${env.PORT}/healthz`).catch(() => undefined))?.text()
  // `docker exec <container> claw-chat-hub keys issue <agent>`: the command is on the image's PATH
  // and, from inside, reaches the hub as its operator.
  const operator = healthy ? issueKey(env, uid, gid) : 'not tried'
  hub.kill('SIGTERM')
  const code = await exited
  console.log(`HEALTHCHECK ${healthy ? 'passed' : 'failed'}; GET /healthz → ${health ?? 'no answer'}; exit on SIGTERM: ${code}`)
  console.log(`claw-chat-hub keys issue (as docker exec runs it): ${operator}`)
  if (!healthy || code !== 0 || operator !== 'key issued') process.exitCode = 1
}

function issueKey(env: Record<string, string>, uid: number, gid: number): string {
  try {
    const out = execFileSync('claw-chat-hub', ['keys', 'issue', 'dockerfile-check-agent', '--json'], {
      env: { ...env, HUB_URL: `http://127.0.0.1:${env.PORT}` },
      uid,
      gid,
    }).toString()
    return typeof (JSON.parse(out) as { api_key?: unknown }).api_key === 'string' ? 'key issued' : `unexpected output ${out.trim()}`
  } catch (error) {
    return `failed: ${(error as Error).message.split('\n')[0]}`
  }
}

await main()
