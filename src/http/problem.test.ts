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
})
