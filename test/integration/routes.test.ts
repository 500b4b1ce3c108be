import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../helpers/app.js'

let t: TestApp
beforeAll(async () => {
  t = await createTestApp()
})
afterAll(() => t.close())

/** A concrete path for a route's pattern: every parameter filled with a value it accepts. */
const pathOf = (url: string) => url.replace(/:ref|:id/g, '1').replace(/:alias/g, 'some-alias')

describe('route inventory', () => {
  it("every route's validators compile (they compile lazily, so a broken schema would show only when used)", () => {
    expect(() => t.app.compileSchemas()).not.toThrow()
  })

  it('every API route needs a token unless marked public; only sign-up and sign-in are', async () => {
    const api = t.app.routeTable.filter((r) => r.url.startsWith('/api/v1/'))
    expect(api.length).toBeGreaterThan(20)
    const open = api.filter((r) => r.config?.auth === 'public' || r.config?.auth === 'optional')
    expect(open.map((r) => `${r.method} ${r.url}`).sort()).toEqual([
      'POST /api/v1/tokens',
      'POST /api/v1/users',
    ])

    const refused: string[] = []
    for (const route of api.filter((r) => !open.includes(r))) {
      const res = await t.app.inject({
        method: route.method as 'GET',
        url: pathOf(route.url),
        ...(['POST', 'PUT', 'PATCH'].includes(route.method) && { payload: {} }),
      })
      const problem = route.method === 'HEAD' ? { code: 'unauthorized' } : res.json()
      if (res.statusCode !== 401 || problem.code !== 'unauthorized' || !res.headers['www-authenticate'])
        refused.push(`${route.method} ${route.url} answered ${res.statusCode}`)
    }
    expect(refused).toEqual([])
  })

  it('outside the API, only operations, documentation and the admin console are served, without a token', async () => {
    const outside = t.app.routeTable.filter((r) => !r.url.startsWith('/api/v1/') && r.method === 'GET')
    const paths = outside.map((r) => r.url).filter((url) => !url.startsWith('/docs'))
    const operations = paths.filter((url) => !url.startsWith('/admin'))
    expect(operations.sort()).toEqual(['/health', '/metrics', '/ready'])
    for (const path of operations) expect((await t.app.inject({ url: path })).statusCode).toBe(200)
    // The console's page and its files hold no data (it reads everything through the API): 200 when
    // built, 503 saying how to build it otherwise (src/admin/admin.plugin.test.ts).
    expect(paths.filter((url) => url.startsWith('/admin')).sort()).toEqual(['/admin', '/admin/assets/*'])
    expect([200, 503]).toContain((await t.app.inject({ url: '/admin' })).statusCode)
  })
})

describe('request metrics', () => {
  it('count requests and their latency by method, route pattern and status', async () => {
    const admin = await t.make.admin()
    const scrape = async () => {
      const body = (await t.app.inject({ url: '/metrics' })).body
      return {
        body,
        sample: (name: string, labels: string) =>
          Number(new RegExp(`^${name}\\{${labels}\\} (\\d+(?:\\.\\d+)?)$`, 'm').exec(body)?.[1] ?? 0),
      }
    }
    const ok = 'method="GET",route="/api/v1/users/:id",status="200"'
    const before = (await scrape()).sample('custodian_http_requests_total', ok)
    const read = () => t.app.inject({ url: `/api/v1/users/${admin.user.id}`, headers: admin.auth })
    for (let i = 0; i < 3; i++) expect((await read()).statusCode).toBe(200)
    await t.app.inject({ url: '/api/v1/users/999999', headers: admin.auth })
    await t.app.inject({ url: '/no/such/path/123' })
    const { body, sample } = await scrape()
    expect(sample('custodian_http_requests_total', ok)).toBe(before + 3)
    expect(sample('custodian_http_request_duration_seconds_count', ok)).toBe(before + 3)
    expect(sample('custodian_http_request_duration_seconds_sum', ok)).toBeGreaterThan(0)
    expect(sample('custodian_http_request_duration_seconds_bucket', `le="10",${ok}`)).toBe(before + 3)
    expect(
      sample('custodian_http_requests_total', 'method="GET",route="/api/v1/users/:id",status="404"'),
    ).toBe(1)
    // An unknown path is one series, not one per path.
    expect(body).toMatch(/custodian_http_requests_total\{method="GET",route="unmatched",status="404"\} 1/)
    expect(body).not.toContain('/no/such/path')
  })
})
