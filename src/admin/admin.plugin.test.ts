import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../config.js'
import { offlineDatabase } from '../db/database.js'
import { createServer } from '../http/server.js'
import { securityHeadersPlugin } from '../plugins/security-headers.js'
import { adminPlugin, NONCE_PLACEHOLDER } from './admin.plugin.js'

const INDEX = `<!doctype html><html><head>
<meta property="csp-nonce" nonce="${NONCE_PLACEHOLDER}">
<script type="module" src="/admin/assets/app-1a2b.js" nonce="${NONCE_PLACEHOLDER}"></script>
</head><body><div id="root"></div></body></html>`

let root: string

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'custodian-admin-'))
})
afterEach(() => rm(root, { recursive: true, force: true }))

/** The HTTP server with the global security headers, the console, and one API route. */
async function app() {
  const db = offlineDatabase()
  const server = createServer(loadConfig({}), { db, lookups: db }, false)
  await server.register(securityHeadersPlugin)
  await server.register(adminPlugin, { root })
  server.get('/api/v1/thing', async () => ({ ok: true }))
  await server.ready()
  return server
}

async function build() {
  await mkdir(join(root, 'assets'), { recursive: true })
  await writeFile(join(root, 'index.html'), INDEX)
  await writeFile(join(root, 'assets', 'app-1a2b.js'), 'console.log("console")')
}

describe('the admin console plugin', () => {
  it('serves the page with its own CSP and a fresh nonce on each response, never cached', async () => {
    await build()
    const server = await app()
    const first = await server.inject({ url: '/admin' })
    const second = await server.inject({ url: '/admin/' })
    expect(first.statusCode).toBe(200)
    expect(first.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(first.headers['cache-control']).toBe('no-store')
    const csp = String(first.headers['content-security-policy'])
    const nonce = csp.match(/'nonce-([A-Za-z0-9+/=]+)'/)?.[1]
    expect(nonce).toBeTruthy()
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("script-src 'self';")
    expect(csp).toContain("connect-src 'self'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).not.toContain('unsafe-inline')
    expect(csp).not.toContain('unsafe-eval')
    // Every placeholder became this response's nonce.
    expect(first.body).not.toContain(NONCE_PLACEHOLDER)
    expect(first.body.match(new RegExp(`nonce="${nonce?.replace(/[+/=]/g, '\\$&')}"`, 'g'))).toHaveLength(2)
    expect(second.headers['content-security-policy']).not.toBe(csp)
    await server.close()
  })

  it('serves the hashed assets for good, and leaves the API its default-src none', async () => {
    await build()
    const server = await app()
    const asset = await server.inject({ url: '/admin/assets/app-1a2b.js' })
    expect(asset.statusCode).toBe(200)
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect((await server.inject({ url: '/admin/assets/missing.js' })).statusCode).toBe(404)
    const api = await server.inject({ url: '/api/v1/thing' })
    expect(api.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'")
    await server.close()
  })

  it('starts without the build, says how to build it, and serves it once built', async () => {
    const server = await app()
    const page = await server.inject({ url: '/admin', headers: { accept: 'text/html' } })
    expect(page.statusCode).toBe(503)
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(page.body).toContain('npm run build')
    const problem = await server.inject({ url: '/admin', headers: { accept: 'application/json' } })
    expect(problem.statusCode).toBe(503)
    expect(problem.headers['content-type']).toContain('application/problem+json')
    expect(problem.json()).toMatchObject({
      code: 'service_unavailable',
      detail: expect.stringContaining('build:admin'),
    })

    await build()
    expect((await server.inject({ url: '/admin' })).statusCode).toBe(200)
    await server.close()
  })
})
