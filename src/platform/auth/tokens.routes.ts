import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { Email, problems, Timestamp } from '../../http/schemas.js'
import { credentialsLimit } from '../../plugins/rate-limit.js'
import type { TokensService } from './tokens.service.js'

const tags = ['auth']

const CreateTokenBody = Type.Object(
  { email: Email, password: Type.String({ minLength: 1, maxLength: 256, writeOnly: true }) },
  { additionalProperties: false },
)

const TokenSchema = Type.Object({
  token: Type.String({
    description: 'Send as `Authorization: Bearer <token>`. Shown once; only its hash is kept.',
  }),
  token_type: Type.Literal('Bearer'),
  expires_at: Timestamp,
})

export const tokensRoutes: FastifyPluginAsyncTypebox<{ tokens: TokensService }> = async (app, { tokens }) => {
  app.post(
    '/tokens',
    {
      // A token is a secret: its response is never stored for replays.
      config: { auth: 'public', idempotent: false, rateLimit: credentialsLimit(app) },
      schema: {
        tags,
        summary: 'Exchange email and password for a bearer token',
        description:
          'A wrong password and an unknown email get the same 401 `invalid_credentials`. The right password of an archived (deleted) account gets 403 `account_archived` with `purge_at`: until then an admin can restore it.',
        body: CreateTokenBody,
        response: { 201: TokenSchema, ...problems(400, 401, 403, 415, 429) },
      },
    },
    async (req, reply) => {
      const { token, expires_at } = await tokens.issue(req.body.email, req.body.password)
      // The token is a credential: no cache may keep the response.
      reply.status(201).header('cache-control', 'no-store')
      return { token, token_type: 'Bearer' as const, expires_at: expires_at.toISOString() }
    },
  )

  app.delete(
    '/tokens/current',
    {
      schema: {
        tags,
        summary: 'Revoke the token this request is made with',
        response: { 204: { type: 'null' } },
      },
    },
    async (req, reply) => {
      await tokens.revoke(req.actor)
      return reply.status(204).send(null)
    },
  )
}
