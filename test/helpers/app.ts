import { Writable } from 'node:stream'
import { type App, buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import type { Db } from '../../src/db/database.js'
import type { Application } from '../../src/modules/applications/applications.schemas.js'
import type { Document } from '../../src/modules/documents/documents.schemas.js'
import type { Lead } from '../../src/modules/leads/leads.schemas.js'
import { createAdmin } from '../../src/modules/users/admin-bootstrap.js'
import { usersRepository } from '../../src/modules/users/users.repository.js'
import type { User } from '../../src/modules/users/users.schemas.js'
import { type ArchiveHook, createArchive } from '../../src/platform/archive/archive.js'
import { passwords } from '../../src/platform/auth/passwords.js'
import { backend, createTestDatabase } from './database.js'

export const PUBLIC_URL = 'https://custodian.test'
export { backend }

export interface TestUser {
  user: User
  email: string
  password: string
  token: string
  /** Headers that authenticate as this user. */
  auth: { authorization: string }
}

let sequence = 0
/** A unique email per call, so tests never collide on the unique index. */
export const uniqueEmail = (name = 'user') => `${name}.${process.pid}.${++sequence}.${Date.now()}@example.ch`

/**
 * The app on a fresh database, with every log line captured (`logs`), and factories that go through
 * the public API like a client would.
 */
export async function createTestApp(env: Record<string, string> = {}) {
  const database = await createTestDatabase()
  const logs: string[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk))
      done()
    },
  })
  // inject() counts against the rate limits: tests get generous ones unless they set their own.
  const config = loadConfig({
    PUBLIC_URL,
    LOG_LEVEL: 'info',
    RATE_LIMIT_MAX: '100000',
    RATE_LIMIT_CREDENTIALS_MAX: '100000',
    // inject() comes from 127.0.0.1, which no country database places: tests of the gate itself
    // turn this off and send a (trusted, loopback-proxied) X-Forwarded-For.
    GEO_ALLOW_UNKNOWN: 'true',
    ...env,
  })
  // The background jobs run when a test sets AMQP_URL: it wants the relay (the purge job is tested on its own).
  const app = await buildApp({ config, database, logStream: stream, jobs: env.AMQP_URL !== undefined })
  await app.ready()
  const make = factories(app, database.db)
  return {
    app,
    /** A request as `as` (their token), with an optional JSON body and more headers. */
    request: (
      as: { auth: { authorization: string } },
      method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
      url: string,
      extra: { payload?: object; headers?: Record<string, string> } = {},
    ) => app.inject({ method, url, headers: { ...as.auth, ...extra.headers }, payload: extra.payload }),
    db: database.db,
    database,
    logs,
    make,
    /** An archive like the app's on `db` (a second instance's pool, say), with hooks a test observes. */
    archive(hooks: ArchiveHook[] = [], db: Db = database.db) {
      return createArchive({ db, urls: app.urls, retentionDays: config.retentionDays, hooks })
    },
    async close() {
      await app.close()
      await database.close()
    },
  }
}

export type TestApp = Awaited<ReturnType<typeof createTestApp>>

export function factories(app: App, db: Db) {
  const signIn = async (email: string, password: string) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/tokens', payload: { email, password } })
    if (res.statusCode !== 201) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`)
    return res.json<{ token: string }>().token
  }
  const withToken = async (user: User, email: string, password: string): Promise<TestUser> => {
    const token = await signIn(email, password)
    return { user, email, password, token, auth: { authorization: `Bearer ${token}` } }
  }
  const create = async <T>(owner: { auth: { authorization: string } }, type: string, payload: object) => {
    const res = await app.inject({ method: 'POST', url: `/api/v1/${type}`, headers: owner.auth, payload })
    if (res.statusCode !== 201) throw new Error(`creating ${type} failed: ${res.statusCode} ${res.body}`)
    return res.json<T>()
  }
  return {
    signIn,
    /** Signs a user up through POST /users and signs them in. */
    async user(
      fields: Partial<{ email: string; first_name: string; last_name: string; address: string }> = {},
    ) {
      const password = `pw-${Math.random().toString(36).slice(2)}-Secret`
      const email = fields.email ?? uniqueEmail()
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/users',
        payload: { first_name: 'Serge', last_name: 'Karamazov', address: '', ...fields, email, password },
      })
      if (res.statusCode !== 201) throw new Error(`sign-up failed: ${res.statusCode} ${res.body}`)
      return withToken(res.json<User>(), email, password)
    },
    /** A document of `owner`'s, created through POST /documents. */
    async document(
      owner: { auth: { authorization: string } },
      fields: Partial<{ title: string; content: string; content_type: string; aliases: string[] }> = {},
    ): Promise<Document> {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/documents',
        headers: owner.auth,
        payload: { title: 'Notes', content: 'Some text', content_type: 'text/plain', ...fields },
      })
      if (res.statusCode !== 201) throw new Error(`creating a document failed: ${res.statusCode} ${res.body}`)
      return res.json<Document>()
    },
    /** An application of `owner`'s, created through POST /applications. */
    async application(owner: { auth: { authorization: string } }, fields: Record<string, unknown> = {}) {
      return create<Application>(owner, 'applications', { company: 'Acme', position: 'Engineer', ...fields })
    },
    /** A lead of `owner`'s, created through POST /leads. */
    async lead(owner: { auth: { authorization: string } }, fields: Record<string, unknown> = {}) {
      return create<Lead>(owner, 'leads', { company: 'Globex', ...fields })
    },
    /** An admin, created the way `custodian create-admin` does, signed in. */
    async admin() {
      const password = `admin-${Math.random().toString(36).slice(2)}-Secret`
      const email = uniqueEmail('admin')
      const row = await createAdmin({ db, repo: usersRepository, passwords }, { email, password })
      const res = await app.inject({
        method: 'GET',
        url: `/api/v1/users/${row.id}`,
        headers: { authorization: `Bearer ${await signIn(email, password)}` },
      })
      return withToken(res.json<User>(), email, password)
    },
  }
}
