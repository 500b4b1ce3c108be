import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Browser, chromium, type Page } from 'playwright-core'
import { freePort } from '../helpers/net.js'

/** Where each page's screenshot goes (git-ignored; the README points at it). */
export const SCREENSHOTS = join('test', 'browser', 'screenshots')

export const ADMIN = { email: 'root@example.ch', password: 'console-admin-Secret' }

/** The real server, from source, on the embedded database in a temporary directory. */
export async function startServer(env: Record<string, string> = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), 'custodian-browser-'))
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const child = spawn(join('node_modules', '.bin', 'tsx'), ['src/cli.ts', 'serve'], {
    env: {
      PATH: process.env.PATH,
      DATA_DIR: dataDir,
      PORT: String(port),
      PUBLIC_URL: base,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      // The browser and the seeding requests come from loopback, which no country database places.
      GEO_ALLOW_UNKNOWN: 'true',
      // Seeding signs in and signs up more often than the default credential limit allows in a minute.
      RATE_LIMIT_CREDENTIALS_MAX: '1000',
      PURGE_INTERVAL_SECONDS: '0',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (d) => {
    output += d
  })
  child.stderr?.on('data', (d) => {
    output += d
  })
  await waitForReady(base, child, () => output)
  return {
    base,
    output: () => output,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM')
        await once(child, 'exit')
      }
      await rm(dataDir, { recursive: true, force: true })
    },
  }
}

async function waitForReady(base: string, child: ChildProcess, output: () => string) {
  for (let i = 0; i < 600 && child.exitCode === null; i++) {
    try {
      if ((await fetch(`${base}/ready`)).status === 200) return
    } catch {}
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`the server did not become ready:\n${output()}`)
}

export interface Answer<T = Record<string, unknown>> {
  status: number
  headers: Headers
  body: T
}

/** The API as a test's own client (seeding, and checking what the console did). */
export function apiClient(base: string) {
  const call = async <T = Record<string, unknown>>(
    method: string,
    path: string,
    token?: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer<T>> => {
    const res = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: {
        ...(token && { authorization: `Bearer ${token}` }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : null) as T }
  }
  return {
    call,
    async signIn(email: string, password: string): Promise<string> {
      const res = await call<{ token: string }>('POST', '/tokens', undefined, { email, password })
      if (res.status !== 201)
        throw new Error(`sign-in of ${email}: ${res.status} ${JSON.stringify(res.body)}`)
      return res.body.token
    },
  }
}

export const BROWSER_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]

/** Debian's Chromium, headless: never a browser Playwright would download. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: BROWSER_ARGS,
  })
}

/**
 * What the page's Content-Security-Policy refused, and the page's uncaught errors: both must stay empty
 * (the CSP allows exactly what the console needs).
 */
export function watchPage(page: Page) {
  const refused: string[] = []
  const errors: string[] = []
  page.on('console', (message) => {
    const text = message.text()
    if (/Content Security Policy|Refused to/i.test(text)) refused.push(text)
  })
  page.on('pageerror', (error) => errors.push(error.message))
  return { refused, errors }
}

let axeSource: string | undefined

/** The axe-core violations of serious or critical impact on the page as it is now. */
export async function seriousViolations(page: Page): Promise<string[]> {
  axeSource ??= await readFile(join('node_modules', 'axe-core', 'axe.min.js'), 'utf8')
  // Evaluated through the DevTools protocol, which the page's CSP does not govern.
  if (!(await page.evaluate('typeof window.axe === "object"'))) await page.evaluate(axeSource)
  const violations = (await page.evaluate(
    'window.axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations)',
  )) as {
    id: string
    impact: string | null
    help: string
    nodes: { target: string[]; html: string; failureSummary?: string }[]
  }[]
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help}: ${v.nodes
          .slice(0, 3)
          .map((n) => `${n.html.slice(0, 160)} (${n.failureSummary?.replace(/\s+/g, ' ')})`)
          .join('; ')}${v.nodes.length > 3 ? ` and ${v.nodes.length - 3} more` : ''}`,
    )
}

/** A screenshot of the page, named for the step. */
export async function screenshot(page: Page, name: string) {
  await mkdir(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })
}
