import { createHash, randomInt } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { type RawBuilder, type Selectable, sql } from 'kysely'
import { Type } from 'typebox'
import type { DatabaseHandle, Session } from '../../db/database.js'
import type { IdempotencyKeysTable } from '../../db/schema.js'
import { AppError } from '../../http/problem.js'
import { problems } from '../../http/schemas.js'
import { API_PREFIX } from '../../http/urls.js'
import { clientKey } from '../../plugins/client-key.js'
import type { IdempotencyClaim } from '../auth/actor.js'
import { scheduleJob } from '../jobs.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The key this request holds, while it runs: its response is stored for the retries. */
    idempotencyKey: IdempotencyClaim | null
  }
  interface FastifyContextConfig {
    /** false: this POST or PATCH ignores Idempotency-Key (a response that must never be stored). */
    idempotent?: boolean
  }
}

/** How long a key and its response are kept (the draft's suggestion: 24 h). */
const KEPT_MS = 24 * 3600_000
/**
 * The longest a first request holds its key (requests time out after 30 s). Its instance's liveness
 * lock lets go sooner: when the instance dies, a retry may run the request again at once.
 */
const HOLD_MS = 60_000
/** key1 of the liveness locks (pg_advisory_lock(int, int)); key2 is the instance's holder number. */
const HOLDER_LOCK = sql.lit(72901305)
/** How often an instance checks that it still holds its liveness lock (a reconnect loses it). */
const CHECK_MS = 2_000

/** Whether the first request of key row `k` may still be running: its hold lasts, its instance lives. */
const running = (k: RawBuilder<unknown>) => sql<boolean>`
  (${k}.locked_until > now() AND (${k}.holder IS NULL OR EXISTS (
    SELECT 1 FROM pg_locks
    WHERE locktype = 'advisory' AND granted AND classid = ${HOLDER_LOCK}
      AND objid = ${k}.holder::oid AND objsubid = 2)))`
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

const SeeOther = Type.Null({
  description:
    'A retry whose first request (same Idempotency-Key) took effect but whose answer was lost: its instance ' +
    'stopped before storing it. `Location` names the item it created or changed.',
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

/**
 * This instance's holder number while it holds the session advisory lock (HOLDER_LOCK, holder), else
 * null. PostgreSQL lets go of the lock the moment the instance's connection dies, so the keys it holds
 * are free for retries at once, while a live instance, however busy, keeps them.
 */
function liveness(app: FastifyInstance, open: DatabaseHandle['session']): () => number | null {
  const holder = randomInt(1, 2 ** 31 - 1)
  let session: Session | null = null
  let held = false
  const check = async () => {
    try {
      session ??= await open()
      const { rows } = await sql<{ held: boolean }>`
        SELECT CASE WHEN EXISTS (
          SELECT 1 FROM pg_locks
          WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()
            AND classid = ${HOLDER_LOCK} AND objid = ${holder}::int::oid AND objsubid = 2
        ) THEN true ELSE pg_try_advisory_lock(${HOLDER_LOCK}, ${holder}::int) END AS held`.execute(session.db)
      held = rows[0]?.held === true
    } catch (err) {
      if (held) app.log.warn({ err }, 'idempotency keys: lost the liveness lock; keys wait for their lease')
      held = false
    }
  }
  let timer: NodeJS.Timeout | undefined
  app.addHook('onReady', async () => {
    await check()
    timer = setInterval(check, CHECK_MS).unref()
  })
  app.addHook('onClose', async () => {
    clearInterval(timer)
    await session?.close()
  })
  return () => (held ? holder : null)
}

type IdempotencyKeyRow = Selectable<IdempotencyKeysTable>

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
  async (app: FastifyInstance, { jobs, session }: { jobs: boolean; session: DatabaseHandle['session'] }) => {
    const { db } = app
    const holder = liveness(app, session)
    app.decorateRequest('idempotencyKey', null)

    const replay = (
      reply: FastifyReply,
      row: { response_status: number; response_headers: unknown; response_body: string | null },
    ) => {
      const headers = (row.response_headers ?? {}) as Record<string, string>
      reply.headers(headers).header('idempotent-replayed', 'true').status(row.response_status)
      return reply.serializer((payload) => payload as string).send(row.response_body)
    }

    const claim = async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
      const header = request.headers['idempotency-key']
      if (typeof header !== 'string') return
      const key = keyOf(header)
      const scope = request.caller ? `user:${request.caller.id}` : `ip:${clientKey(request.ip)}`
      const fingerprint = createHash('sha256')
        .update(`${request.method} ${request.url}\n${canonical(request.body)}`)
        .digest('hex')
      const now = Date.now()
      // A key is new, expired, or held by a first request that died before its change committed: only
      // the same request may then take it over and run it again.
      const { rows } = await sql<{ key: string }>`
        INSERT INTO idempotency_keys (scope, key, fingerprint, locked_until, holder, expires_at)
        VALUES (${scope}, ${key}, ${fingerprint}, ${new Date(now + HOLD_MS)}, ${holder()},
                ${new Date(now + KEPT_MS)})
        ON CONFLICT (scope, key) DO UPDATE SET
          fingerprint = EXCLUDED.fingerprint, locked_until = EXCLUDED.locked_until, holder = EXCLUDED.holder,
          committed_to = NULL, response_status = NULL, response_headers = NULL, response_body = NULL,
          created_at = now(), expires_at = EXCLUDED.expires_at
        WHERE idempotency_keys.expires_at <= now()
           OR (idempotency_keys.response_status IS NULL AND idempotency_keys.committed_to IS NULL
               AND idempotency_keys.fingerprint = EXCLUDED.fingerprint
               AND NOT ${running(sql`idempotency_keys`)})
        RETURNING key`.execute(db)
      if (rows.length === 1) {
        request.idempotencyKey = { scope, key }
        if (request.caller) request.caller.idempotencyKey = request.idempotencyKey
        return
      }
      const { rows: found } = await sql<IdempotencyKeyRow & { running: boolean }>`
        SELECT k.*, ${running(sql`k`)} AS running FROM idempotency_keys k
        WHERE k.scope = ${scope} AND k.key = ${key}`.execute(db)
      const held = found[0]
      // Let go of in between (its first request failed with a 5xx): claim it again.
      if (!held) return claim(request, reply)
      if (held.fingerprint !== fingerprint)
        throw new AppError(
          'idempotency_key_reused',
          'This Idempotency-Key was sent with another request: use a new key for a new request.',
        )
      if (held.response_status === null) {
        if (held.committed_to !== null && !held.running) {
          // It took effect, but its instance died before the response was stored: what it made is there.
          const [type = '', id = ''] = held.committed_to.split('/')
          return reply.status(303).header('location', app.urls.item(type, id)).send()
        }
        throw new AppError(
          'idempotency_key_in_flight',
          'The first request with this Idempotency-Key is still running: retry in a moment.',
          {},
          { 'retry-after': '1' },
        )
      }
      return replay(reply, { ...held, response_status: held.response_status })
    }

    const store = async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
      const held = request.idempotencyKey
      if (!held) return payload
      request.idempotencyKey = null
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
        response: { 303: SeeOther, ...problems(409, 422), ...(route.schema?.response as object) },
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
