import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Lead } from '../../src/modules/leads/leads.schemas.js'
import { createTestApp, PUBLIC_URL, type TestApp, type TestUser } from '../helpers/app.js'

let t: TestApp
let owner: TestUser
let other: TestUser
beforeAll(async () => {
  t = await createTestApp()
  owner = await t.make.user()
  other = await t.make.user()
})
afterAll(() => t.close())

const request = (as: TestUser, method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: object) =>
  t.app.inject({ method, url, headers: as.auth, payload })
const leadUrl = (id: number) => `/api/v1/leads/${id}`
const CHF = { amount: 250000, currency: 'CHF' }

describe('leads: fields', () => {
  it('POST answers 201 with the lead; its value is one object of amount (minor units) and currency', async () => {
    const res = await request(owner, 'POST', '/api/v1/leads', {
      company: 'Globex',
      contact_name: 'Hank Scorpio',
      contact_email: 'hank@globex.example',
      value: CHF,
      source: 'Conference',
    })
    expect(res.statusCode).toBe(201)
    const lead = res.json<Lead>()
    expect(lead).toEqual({
      url: `${PUBLIC_URL}${leadUrl(lead.id)}`,
      id: lead.id,
      company: 'Globex',
      contact_name: 'Hank Scorpio',
      contact_email: 'hank@globex.example',
      value: CHF,
      source: 'Conference',
      notes: null,
      status: 'new',
      status_changed_at: lead.created_at,
      owner_id: owner.user.id,
      created_at: expect.any(String),
      updated_at: lead.created_at,
    })
    expect(res.headers.location).toBe(lead.url)
    const row = await t.db
      .selectFrom('leads')
      .select(['value_amount', 'value_currency'])
      .where('id', '=', lead.id)
      .executeTakeFirstOrThrow()
    expect(row).toEqual({ value_amount: 250000, value_currency: 'CHF' })
    const bare = (await request(owner, 'POST', '/api/v1/leads', { company: 'Initech' })).json<Lead>()
    expect(bare).toMatchObject({ value: null, contact_name: null, status: 'new' })
  })

  it('a value needs an integer amount of at least 0 and an ISO 4217 code, both; anything else is a 400', async () => {
    for (const value of [
      { amount: -1, currency: 'CHF' },
      { amount: 12.5, currency: 'CHF' },
      { amount: 100, currency: 'chf' },
      { amount: 100, currency: 'SWISS' },
      { amount: 100 },
      { currency: 'EUR' },
      { amount: 100, currency: 'EUR', cents: 3 },
      '100 CHF',
    ]) {
      const res = await request(owner, 'POST', '/api/v1/leads', { company: 'Bad value', value })
      expect(res.statusCode, JSON.stringify(value)).toBe(400)
      expect(res.json().errors[0].pointer, JSON.stringify(value)).toMatch(/^\/value/)
    }
    const email = await request(owner, 'POST', '/api/v1/leads', {
      company: 'X',
      contact_email: 'not-an-email',
    })
    expect(email.json().errors).toEqual([{ pointer: '/contact_email', detail: expect.any(String) }])
  })

  it('PATCH replaces the value as a whole or clears it with null; PUT without one clears it', async () => {
    const lead = (
      await request(owner, 'POST', '/api/v1/leads', { company: 'Soylent', value: CHF })
    ).json<Lead>()
    const euros = await request(owner, 'PATCH', leadUrl(lead.id), { value: { amount: 99, currency: 'EUR' } })
    expect(euros.json().value).toEqual({ amount: 99, currency: 'EUR' })
    const partial = await request(owner, 'PATCH', leadUrl(lead.id), { value: { amount: 5 } })
    expect(partial.statusCode).toBe(400)
    expect((await request(owner, 'PATCH', leadUrl(lead.id), { notes: 'call back' })).json().value).toEqual({
      amount: 99,
      currency: 'EUR',
    })
    expect((await request(owner, 'PATCH', leadUrl(lead.id), { value: null })).json().value).toBeNull()
    await request(owner, 'PATCH', leadUrl(lead.id), { value: CHF })
    const put = await request(owner, 'PUT', leadUrl(lead.id), { company: 'Soylent', status: 'contacted' })
    expect(put.json()).toMatchObject({ value: null, notes: null, status: 'contacted' })
    const row = await t.db
      .selectFrom('leads')
      .select(['value_amount', 'value_currency'])
      .where('id', '=', lead.id)
      .executeTakeFirstOrThrow()
    expect(row).toEqual({ value_amount: null, value_currency: null })
  })
})

describe('GET /leads', () => {
  it('searches company and contact name, filters by status and source, orders by company', async () => {
    const make = async (fields: object, moves: string[] = []) => {
      const lead = (await request(other, 'POST', '/api/v1/leads', fields)).json<Lead>()
      for (const status of moves)
        expect((await request(other, 'PATCH', leadUrl(lead.id), { status })).statusCode).toBe(200)
      return lead.id
    }
    const a = await make({ company: 'Zeta Partners', contact_name: 'Maria Muster', source: 'Website' })
    const b = await make({ company: 'Alpha AG', contact_name: 'Peter Muster' }, ['contacted'])
    const c = await make({ company: 'Mustermann GmbH', source: 'website' }, ['contacted', 'qualified'])
    const d = await make({ company: 'Beta SA' }, ['lost'])
    const ids = async (query: string) =>
      ((await request(other, 'GET', `/api/v1/leads${query}`)).json().results as Lead[]).map((l) => l.id)
    expect(await ids('?search=MUSTER')).toEqual([a, b, c])
    expect(await ids('?status=contacted,qualified')).toEqual([b, c])
    expect(await ids('?status=lost&status=new')).toEqual([a, d])
    expect(await ids('?source=WEBSITE')).toEqual([a, c])
    expect(await ids('?ordering=company')).toEqual([b, d, c, a])
    expect(await ids('?ordering=-status_changed_at&page_size=1')).toEqual([d])
    // The owner of the first describe's leads sees none of these.
    expect((await request(owner, 'GET', '/api/v1/leads?search=muster')).json().count).toBe(0)
  })
})
