import { randomBytes } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { AppError } from '../http/problem.js'
import { ROOT } from '../paths.js'

/** Where `npm run build:admin` writes the console. */
export const ADMIN_DIST = join(ROOT, 'admin', 'dist')

/** The placeholder Vite writes on every script, style and the csp-nonce meta tag (admin/vite.config.ts). */
export const NONCE_PLACEHOLDER = '__CUSTODIAN_CSP_NONCE__'

/**
 * The console's Content-Security-Policy: exactly what the built app needs, nothing from elsewhere.
 * Scripts, style sheets, the icon: files of this origin. Styles inserted at run time (MUI's emotion
 * writes `<style>` elements) only with this response's nonce, never `'unsafe-inline'`. Requests: to this
 * origin only, where the API is (the console sends relative URLs, never the absolute links of the API's
 * answers, which come from PUBLIC_URL and may name another origin). No frames, no plugins, no base
 * rewriting, forms submit nowhere else.
 */
export function adminCsp(nonce: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ')
}

const NOT_BUILT =
  'The admin console is not built. Run `npm run build` (or `npm run build:admin`) in the project ' +
  'directory, then reload /admin; the server does not need a restart.'

const notBuiltPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Custodian admin: not built</title></head>
<body><h1>The admin console is not built</h1>
<p>Run <code>npm run build</code> (or <code>npm run build:admin</code>) in the project directory, then
reload this page. The server does not need a restart.</p>
<p>The API works without it: <a href="/docs">/docs</a>.</p></body></html>
`

/**
 * The admin console (DESIGN §9) at `/admin`: the single-page app built by Vite from `admin/`, which works
 * only through the public API with the signed-in admin's token. `/admin` is its page, with a fresh CSP
 * nonce per response (so it is never cached); `/admin/assets/*` are its content-hashed files, cached for
 * good. The routes need no token: the page holds nothing but code, and every datum comes from the API.
 *
 * A server without the build still starts: `/admin` then answers 503, saying how to build it, and picks
 * the build up as soon as it appears.
 */
export const adminPlugin: FastifyPluginAsync<{ root?: string }> = async (app, { root = ADMIN_DIST }) => {
  const indexFile = join(root, 'index.html')
  let cached: { mtimeMs: number; html: string } | undefined

  // Read again when the file changes (a rebuild while the server runs names new asset files).
  const template = async (): Promise<string | undefined> => {
    const info = await stat(indexFile).catch(() => undefined)
    if (!info) return undefined
    if (cached?.mtimeMs !== info.mtimeMs)
      cached = { mtimeMs: info.mtimeMs, html: await readFile(indexFile, 'utf8') }
    return cached.html
  }

  const page = async (request: FastifyRequest, reply: FastifyReply) => {
    const html = await template()
    if (html === undefined) {
      reply.header('retry-after', '60')
      if (request.headers.accept?.includes('text/html')) {
        return reply.code(503).type('text/html; charset=utf-8').send(notBuiltPage)
      }
      throw new AppError('service_unavailable', NOT_BUILT, {}, { 'retry-after': '60' })
    }
    const nonce = randomBytes(16).toString('base64')
    return reply
      .header('content-security-policy', adminCsp(nonce))
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(html.replaceAll(NONCE_PLACEHOLDER, nonce))
  }

  // The app routes with the URL's fragment (`/admin/#/users`): the page is at one path only.
  app.get('/admin', { schema: { hide: true } }, page)

  await app.register(fastifyStatic, {
    root: join(root, 'assets'),
    prefix: '/admin/assets/',
    decorateReply: false,
    index: false,
    // Every file name carries a hash of its content.
    immutable: true,
    maxAge: '365d',
    // A missing build is told at /admin (and below, once); a missing file here is a plain 404.
    suppressWarning: true,
  })
  if (!(await template())) app.log.warn(`the admin console is not built: ${NOT_BUILT}`)
}
