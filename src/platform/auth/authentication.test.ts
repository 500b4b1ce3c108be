import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { sendProblem, toAppError } from '../../http/errors.js'
import { ProblemSchema } from '../../http/schemas.js'
import { authenticationPlugin } from './authentication.js'

/** The auth plugin alone, in front of one route, with a token service that counts its lookups. */
async function appWithLookups() {
  const lookups: string[] = []
  const app = Fastify()
  app.addSchema(ProblemSchema) // the plugin documents its 401 as a Problem
  app.setErrorHandler((error, request, reply) => sendProblem(request, reply, toAppError(error)))
  await app.register(authenticationPlugin, {
    maxFailedLookups: 3,
    tokens: {
      authenticate: async (token) => {
        lookups.push(token)
        return token === 'cus_good' ? { id: 1, role: 'user', tokenId: 1 } : null
      },
    },
  })
  app.get('/me', { config: { auth: 'required' } }, async (request) => ({ id: request.actor.id }))
  await app.ready()
  return { app, lookups }
}

describe('authentication plugin', () => {
  it('stops looking tokens up for an address that keeps sending unknown ones', async () => {
    const { app, lookups } = await appWithLookups()
    const guess = (i: number, remoteAddress = '198.51.100.7') =>
      app.inject({ url: '/me', remoteAddress, headers: { authorization: `Bearer cus_guess${i}` } })
    const statuses = []
    for (let i = 0; i < 6; i++) statuses.push((await guess(i)).statusCode)
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429])
    expect(lookups).toHaveLength(3)
    const refused = await guess(99)
    expect(refused.headers['retry-after']).toBe('60')
    // Other addresses are not affected, and a good token works.
    expect((await guess(7, '198.51.100.8')).statusCode).toBe(401)
    const good = await app.inject({
      url: '/me',
      remoteAddress: '198.51.100.9',
      headers: { authorization: 'Bearer cus_good' },
    })
    expect(good.json()).toEqual({ id: 1 })
  })

  it('refuses a route that needs a token without one, before the body is read', async () => {
    const { app, lookups } = await appWithLookups()
    const res = await app.inject({ url: '/me' })
    expect(res.statusCode).toBe(401)
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/)
    expect(lookups).toEqual([])
  })
})
