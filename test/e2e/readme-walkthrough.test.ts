import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli, waitForReady } from '../helpers/cli.js'
import { freePort } from '../helpers/net.js'

/**
 * The README's examples, run as a newcomer runs them: every ```sh block after a `<!-- walkthrough -->`
 * marker, in the README's order, in one bash, against one real server started with the environment
 * of the `<!-- walkthrough:server -->` block. Each block must exit 0, and what its comments show
 * (`# → …`, continued by `#   …` lines) must appear in its output, in order: each line is cut at `…`
 * (and at its ends) into fragments, and `localhost:3000` stands for the server's address.
 */

interface Block {
  /** 1-based line of the README where the code starts. */
  line: number
  code: string
  /** The fragments its comments show, in order. */
  expected: string[]
}

function blocks(readme: string, marker: string): Block[] {
  const lines = readme.split('\n')
  const found: Block[] = []
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]?.trim() !== `<!-- ${marker} -->`) continue
    const fence = lines[i + 1]?.trim()
    if (fence !== '```sh' && fence !== '```bash')
      throw new Error(`README.md:${i + 1}: ${marker} must be followed by a sh block`)
    const start = i + 2
    let end = start
    while (end < lines.length && lines[end]?.trim() !== '```') end++
    const code = lines.slice(start, end)
    const expected: string[] = []
    let inOutput = false
    for (const line of code) {
      const shown: RegExpMatchArray | null = line.match(/^# → (.*)$/)
      const more: RegExpMatchArray | null = inOutput ? line.match(/^# {3}(.*)$/) : null
      inOutput = Boolean(shown || more)
      const text: string | undefined = shown?.[1] ?? more?.[1]
      if (text !== undefined)
        expected.push(
          ...text
            .split('…')
            .map((f: string) => f.trim())
            .filter(Boolean),
        )
    }
    found.push({ line: start + 1, code: code.join('\n'), expected })
    i = end
  }
  return found
}

const readme = readFileSync('README.md', 'utf8')
const walkthrough = blocks(readme, 'walkthrough')
const none: Block = { line: 0, code: '', expected: [] }
const serverBlock = blocks(readme, 'walkthrough:server')[0] ?? none
const resetBlock = blocks(readme, 'walkthrough:reset')[0] ?? none
const END = '@@readme-block-end@@'

/** The variables the README sets on `npm start` (but PORT, which the test picks). */
function serverEnvironment(): Record<string, string> {
  const start = serverBlock.code.split('\n').find((l) => l.includes('npm start'))
  if (!start) throw new Error('the walkthrough:server block has no `npm start`')
  const env: Record<string, string> = {}
  for (const word of start.slice(0, start.indexOf('npm start')).trim().split(/\s+/)) {
    const [, name, value] = word.match(/^([A-Z_]+)=(.*)$/) ?? []
    if (name === undefined || value === undefined)
      throw new Error(`unexpected word before npm start: ${word}`)
    if (name !== 'PORT') env[name] = value
  }
  return env
}

/** The reader's checkout: the server's DATA_DIR is its `data`, as with `npm start`. */
let checkout: string
let dataDir: string
let port: number
let server: ReturnType<typeof runCli>

beforeAll(async () => {
  checkout = await mkdtemp(join(tmpdir(), 'custodian-readme-'))
  dataDir = join(checkout, 'data')
  port = await freePort()
  server = runCli(dataDir, ['serve'], { ...serverEnvironment(), PORT: String(port), LOG_LEVEL: 'warn' })
  await waitForReady(`http://127.0.0.1:${port}`, server.child)
}, 120_000)
afterAll(async () => {
  if (server?.child.exitCode === null) {
    server.child.kill('SIGTERM')
    await server.exited
  }
  if (checkout) await rm(checkout, { recursive: true, force: true })
})

/** Where `expected` is first missing from `output`, in order; null when all are there. */
function missing(output: string, expected: string[]): { fragment: string; after: string } | null {
  let at = 0
  for (const fragment of expected) {
    const found = output.indexOf(fragment, at)
    if (found < 0) return { fragment, after: output.slice(at, at + 600) }
    at = found + fragment.length
  }
  return null
}

describe('the README walk-through', () => {
  it('has its blocks and its server block', () => {
    expect(serverBlock.code).toContain('BASE=http://localhost:$PORT')
    expect(walkthrough.length).toBeGreaterThan(5)
    for (const block of walkthrough) {
      const commands = block.code.split('\n').filter((l) => !l.trimStart().startsWith('#'))
      // Every request goes to $BASE, so a reader on another port changes one line.
      for (const command of commands)
        expect(command, `README.md:${block.line}: use $BASE`).not.toMatch(/localhost:\d/)
      expect(block.expected.length, `README.md:${block.line}: shows no output`).toBeGreaterThan(0)
    }
  })

  it('runs every block in order, in one shell, and prints what the README shows', async () => {
    const script = ['set -euo pipefail', ...walkthrough.map((b) => `${b.code}\nprintf '\\n${END}\\n'`)].join(
      '\n',
    )
    const child = spawn('bash', ['-c', script], {
      cwd: checkout,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, BASE: `http://localhost:${port}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      stdout += d
    })
    child.stderr.on('data', (d) => {
      stderr += d
    })
    const [code] = await once(child, 'exit')
    const outputs = stdout.split(END)
    const failed = walkthrough[outputs.length - 1]
    expect(code, `README.md:${failed?.line}: the block exited ${code}\n${stderr}\n${outputs.at(-1)}`).toBe(0)
    walkthrough.forEach((block, i) => {
      const expected = block.expected.map((f) => f.replaceAll('localhost:3000', `localhost:${port}`))
      const gap = missing(outputs[i] ?? '', expected)
      expect(
        gap,
        gap ? `README.md:${block.line}: not shown: ${gap.fragment}\nin: ${gap.after}` : '',
      ).toBeNull()
    })
  }, 60_000)

  it('starts over: stops the server by the pid in its lock and removes its data', async () => {
    expect(resetBlock.code).toContain('rm -rf data')
    const child = spawn('bash', ['-c', `set -euo pipefail\n${resetBlock.code}`], {
      cwd: checkout,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (d) => {
      stderr += d
    })
    const [code] = await once(child, 'exit')
    expect(code, `README.md:${resetBlock.line}: ${stderr}`).toBe(0)
    // The server stopped (by SIGTERM, gracefully) before its data went.
    expect(await server.exited).toBe(0)
    expect(existsSync(dataDir)).toBe(false)
  }, 30_000)
})
