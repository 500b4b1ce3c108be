import { createHash } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { sql } from 'kysely'
import { Type } from 'typebox'
import { AppError } from '../../http/problem.js'
import { problems } from '../../http/schemas.js'
import { API_PREFIX } from '../../http/urls.js'
import { clientKey } from '../../plugins/client-key.js'
import { scheduleJob } from '../jobs.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The key this request holds, while it runs: its response is stored for the retries. */
    idempotencyKey: { scope: string; key: string; release(): void } | null
  }
  interface FastifyContextConfig {
    /** false: this POST or PATCH ignores Idempotency-Key (a response that must never be stored). */
    idempotent?: boolean
  }
}

/** How long a key and its response are kept (the draft's suggestion: 24 h). */
const KEPT_MS = 24 * 3600_000
/**
 * A first request holds its key for LEASE_MS, renewed every RENEW_MS while it runs (for at most
 * MAX_HOLD_MS, past the 30 s request timeout): when its instance dies, the renewals stop and a retry
 * may run the request again within LEASE_MS.
 */
const LEASE_MS = 5_000
const RENEW_MS = 2_000
const MAX_HOLD_MS = 60_000
/** The headers a replay repeats: what a client reads from the first answer. */
const REPLAYED = ['content-type', 'location', 'content-location', 'etag', 'link', 'preference-applied']

const KeyHeader = Type.String({
  minLength: 1,
  maxLength: 255,
  description:
    'A unique key (a UUID, say) to make this request safe to retry: the first response is stored for 24 h and ' +
    'replayed to retries with the same key and body (`Idempotent-Replayed: true`). The same key with another ' +
    'request is a 422; while the first is still running, a 409. Keys are per caller.',
})

/** The body as canonical JSON (keys sorted), so the same payload always has the same fingerprint. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`
  return JSON.stringify(value ?? null)
}

/** The key as sent: a Structured Field string (`"…"`, as the draft writes it) or a bare token. */
const keyOf = (header: string) => (/^".*"$/.test(header) ? header.slice(1, -1) : header)

/**
 * Idempotency keys (draft-ietf-httpapi-idempotency-key-header) for every POST and PATCH of the API:
 * a client that sends `Idempotency-Key` may retry the request safely. The first request claims the
 * key (one INSERT: of two at once, one wins); its response is stored with a fingerprint of the request
 * and replayed for 24 h to retries with the same key and request. Same key, other request: 422
 * `idempotency_key_reused`; first request still running: 409 `idempotency_key_in_flight` with
 * Retry-After. A 5xx is not stored: the retry runs again. Keys live in PostgreSQL, so every instance
 * sees them; they are per caller (the user, or the client address of an anonymous sign-up).
 */
export const idempotencyPlugin = fp(
  async (app: FastifyInstance, { jobs }: { jobs: boolean }) => {
    const { db } = app
    app.decorateRequest('idempotencyKey', null)

    const replay = (
      reply: FastifyReply,
      row: { response_status: number; response_headers: unknown; response_body: string | null },
    ) => {
      const headers = (row.response_headers ?? {}) as Record<string, string>
      reply.headers(headers).header('idempotent-replayed', 'true').status(row.response_status)
      return reply.serializer((payload) => payload as string).send(row.response_body)
    }

    const claim = async (request: FastifyRequest, reply: FastifyReply) => {
      const header = request.headers['idempotency-key']
      if (typeof header !== 'string') return
      const key = keyOf(header)
      const scope = request.caller ? `user:${request.caller.id}` : `ip:${clientKey(request.ip)}`
      const fingerprint = createHash('sha256')
        .update(`${request.method} ${request.url}\n${canonical(request.body)}`)
        .digest('hex')
      const now = Date.now()
      // A key is new, expired, or held by a first request that died (same request, lease over).
      const { rows } = await sql<{ key: string }>`
        INSERT INTO idempotency_keys (scope, key, fingerprint, locked_until, expires_at)
        VALUES (${scope}, ${key}, ${fingerprint}, ${new Date(now + LEASE_MS)}, ${new Date(now + KEPT_MS)})
        ON CONFLICT (scope, key) DO UPDATE SET
          fingerprint = EXCLUDED.fingerprint, locked_until = EXCLUDED.locked_until,
          response_status = NULL, response_headers = NULL, response_body = NULL,
          created_at = now(), expires_at = EXCLUDED.expires_at
        WHERE idempotency_keys.expires_at <= now()
           OR (idempotency_keys.response_status IS NULL AND idempotency_keys.locked_until <= now()
               AND idempotency_keys.fingerprint = EXCLUDED.fingerprint)
        RETURNING key`.execute(db)
      if (rows.length === 1) {
        // Renewed while the request runs; a slow request keeps its key, a dead instance lets go.
        const started = Date.now()
        const renew = setInterval(() => {
          if (Date.now() - started > MAX_HOLD_MS) return clearInterval(renew)
          sql`UPDATE idempotency_keys SET locked_until = now() + ${`${LEASE_MS} milliseconds`}::interval
              WHERE scope = ${scope} AND key = ${key} AND response_status IS NULL`
            .execute(db)
            .catch(() => {})
        }, RENEW_MS).unref()
        request.idempotencyKey = { scope, key, release: () => clearInterval(renew) }
        return
      }
      const held = await db
        .selectFrom('idempotency_keys')
        .selectAll()
        .where('scope', '=', scope)
        .where('key', '=', key)
        .executeTakeFirstOrThrow()
      if (held.fingerprint !== fingerprint)
        throw new AppError(
          'idempotency_key_reused',
          'This Idempotency-Key was sent with another request: use a new key for a new request.',
        )
      if (held.response_status === null)
        throw new AppError(
          'idempotency_key_in_flight',
          'The first request with this Idempotency-Key is still running: retry in a moment.',
          {},
          { 'retry-after': '1' },
        )
      return replay(reply, { ...held, response_status: held.response_status })
    }

    const store = async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
      const held = request.idempotencyKey
      if (!held) return payload
      request.idempotencyKey = null
      held.release()
      const where = sql`scope = ${held.scope} AND key = ${held.key}`
      const storable = payload === null || payload === undefined || typeof payload === 'string'
      if (reply.statusCode >= 500 || !storable) {
        // Not a result to repeat: the key is free for the retry.
        await sql`DELETE FROM idempotency_keys WHERE ${where}`.execute(db)
        return payload
      }
      const headers = Object.fromEntries(
        REPLAYED.flatMap((name) => {
          const value = reply.getHeader(name)
          return value === undefined ? [] : [[name, String(value)]]
        }),
      )
      // Sent as text and cast: postgres.js would encode a parameter it knows is jsonb a second time.
      await sql`
        UPDATE idempotency_keys
        SET response_status = ${reply.statusCode}, response_headers = ${JSON.stringify(headers)}::text::jsonb,
            response_body = ${(payload as string | null | undefined) ?? null}
        WHERE ${where}`.execute(db)
      return payload
    }

    app.addHook('onRoute', (route) => {
      const methods = [route.method].flat()
      const writes = methods.includes('POST') || methods.includes('PATCH')
      if (!writes || !route.url.startsWith(`${API_PREFIX}/`) || route.config?.idempotent === false) return
      const headers = (route.schema?.headers ?? Type.Object({})) as ReturnType<typeof Type.Object>
      route.schema = {
        ...route.schema,
        headers: Type.Object({ ...headers.properties, 'idempotency-key': Type.Optional(KeyHeader) }),
        response: { ...problems(409, 422), ...(route.schema?.response as object) },
      }
      route.preHandler = [claim, ...[route.preHandler ?? []].flat()]
      route.onSend = [...[route.onSend ?? []].flat(), store]
    })

    // A purged user's stored responses go with them (those of an anonymous sign-up expire in 24 h).
    app.archive.addHook({
      async during(tx, event) {
        if (event.type !== 'users' || event.action !== 'purged') return
        await tx
          .deleteFrom('idempotency_keys')
          .where(
            'scope',
            'in',
            event.ids.map((id) => `user:${id}`),
          )
          .execute()
      },
    })

    if (jobs)
      scheduleJob(app, 'idempotency key expiry', 3600_000, () =>
        db.deleteFrom('idempotency_keys').where('expires_at', '<=', new Date()).execute(),
      )
  },
  { name: 'idempotency', dependencies: ['archive', 'authentication'] },
)
