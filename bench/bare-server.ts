import Fastify from 'fastify'

/**
 * The benchmark's floor: Fastify with one JSON route and nothing else (no logger, plugins, hooks,
 * authentication or database). Like the API, it serializes a user-shaped object through a response
 * schema, so what the real routes cost beyond this is what Custodian adds on top of Fastify.
 *
 * Started by `run.ts` with PORT set; it listens on 127.0.0.1 only.
 */

const user = {
  id: 1,
  url: 'http://127.0.0.1/api/v1/users/1',
  email: 'reader@bench.example',
  first_name: 'Ada',
  last_name: 'Lovelace',
  address: '1 Bench Street',
  country: 'FR',
  role: 'user',
  created_at: '2025-01-01T00:00:00.000Z',
  updated_at: '2025-01-01T00:00:00.000Z',
}

const text = { type: 'string' } as const
const UserResponse = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    url: text,
    email: text,
    first_name: text,
    last_name: text,
    address: text,
    country: { type: ['string', 'null'] },
    role: text,
    created_at: text,
    updated_at: text,
  },
} as const

const app = Fastify({ logger: false })
app.get('/bare', { schema: { response: { 200: UserResponse } } }, async () => user)
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' })
