import { Ajv } from 'ajv'
import { Type } from 'typebox'
import { describe, expect, it } from 'vitest'
import { fieldProblems, toAppError } from './errors.js'
import { AppError, renderProblem } from './problem.js'

describe('problem details', () => {
  it('renders the RFC 9457 members, the code and request id, then extensions', () => {
    const error = new AppError('email_taken', 'taken', { links: { archive: '/x' } })
    expect(renderProblem(error, { instance: '/api/v1/users', requestId: 'r1' })).toEqual({
      type: 'tag:custodian,2026:problem:email_taken',
      title: 'Conflict',
      status: 409,
      detail: 'taken',
      instance: '/api/v1/users',
      code: 'email_taken',
      request_id: 'r1',
      links: { archive: '/x' },
    })
  })

  it('never lets an extension overwrite a standard member', () => {
    const error = new AppError('validation_failed', 'd', { status: 200, code: 'ok' })
    expect(renderProblem(error, { instance: '/', requestId: 'r' })).toMatchObject({
      status: 400,
      code: 'validation_failed',
    })
  })

  it('a database that cannot be reached is a 503 to retry, not a 500', () => {
    for (const code of [
      'ECONNREFUSED',
      'CONNECTION_CLOSED',
      'CONNECT_TIMEOUT',
      '57P01',
      '57P03',
      '08006',
      '53300',
    ]) {
      const error = toAppError(Object.assign(new Error(`connection failed (${code})`), { code }))
      expect(error).toMatchObject({ status: 503, code: 'service_unavailable' })
      expect(error.headers['retry-after']).toBe('2')
    }
    // A wrong query is not an outage.
    expect(toAppError(Object.assign(new Error('syntax'), { code: '42601' })).status).toBe(500)
  })

  it('hides the message of an unexpected error', () => {
    const error = toAppError(new Error('connection to 10.0.0.5 refused, password=hunter2'))
    expect(error.status).toBe(500)
    expect(error.message).not.toContain('hunter2')
  })

  it('maps Ajv errors to pointers for bodies and names for parameters', () => {
    const errors = [
      {
        instancePath: '',
        keyword: 'required',
        params: { missingProperty: 'email' },
        message: 'must have required property',
        schemaPath: '',
      },
      {
        instancePath: '/address/street',
        keyword: 'type',
        params: {},
        message: 'must be string',
        schemaPath: '',
      },
      {
        instancePath: '',
        keyword: 'additionalProperties',
        params: { additionalProperty: 'admin' },
        message: 'x',
        schemaPath: '',
      },
    ]
    expect(fieldProblems(errors, 'body')).toEqual([
      { pointer: '/email', detail: 'must have required property' },
      { pointer: '/address/street', detail: 'must be string' },
      { pointer: '/admin', detail: 'is not a known field' },
    ])
    expect(fieldProblems([{ ...errors[1]!, instancePath: '/page' }], 'querystring')).toEqual([
      { parameter: 'page', detail: 'must be string' },
    ])
  })

  it('lists the allowed values of an enum and of a union of constants', () => {
    const problems = (schema: object, data: unknown, coerceTypes: boolean) => {
      const validate = new Ajv({ allErrors: true, coerceTypes, strict: false }).compile(schema)
      validate(data)
      return fieldProblems(validate.errors ?? [], coerceTypes ? 'querystring' : 'body')
    }
    const ordering = Type.Object({ ordering: Type.Enum(['id', '-id', 'last_name']) })
    expect(problems(ordering, { ordering: 'bogus' }, true)).toEqual([
      { parameter: 'ordering', detail: 'must be one of: id, -id, last_name' },
    ])
    const union = Type.Object({ type: Type.Union([Type.Literal('users'), Type.Literal('documents')]) })
    for (const [data, coerce] of [
      [{ type: 'bogus' }, true],
      [{ type: 'bogus' }, false],
      [{ type: 5 }, false],
    ] as const) {
      expect(problems(union, data, coerce)).toEqual([
        {
          [coerce ? 'parameter' : 'pointer']: coerce ? 'type' : '/type',
          detail: 'must be one of: users, documents',
        },
      ])
    }
    // A nullable field reports its schema's problems only, not "must be null" and the anyOf.
    const nullable = Type.Object({ a: Type.Union([Type.String({ minLength: 2 }), Type.Null()]) })
    expect(problems(nullable, { a: 5 }, false)).toEqual([{ pointer: '/a', detail: 'must be string' }])
    expect(problems(nullable, { a: 'x' }, false)).toEqual([
      { pointer: '/a', detail: 'must NOT have fewer than 2 characters' },
    ])
    // Other unions keep Ajv's messages.
    const either = Type.Object({ a: Type.Union([Type.String(), Type.Integer()]) })
    expect(problems(either, { a: true }, false).map((p) => p.detail)).toEqual([
      'must be string',
      'must be integer',
      'must match a schema in anyOf',
    ])
  })
})
