import { Ajv } from 'ajv'
import { Type } from 'typebox'
import { describe, expect, it } from 'vitest'
import { fieldProblems } from './errors.js'
import { addLists } from './lists.js'
import { OneOrMore } from './schemas.js'

// As the server validates query strings: coerced, so that one value becomes a one-item array.
const ajv = new Ajv({ allErrors: true, coerceTypes: 'array', strict: false })
addLists(ajv)
const validate = ajv.compile(Type.Object({ status: Type.Optional(OneOrMore(['a', 'b', 'c'], 'Status')) }))
const parse = (query: Record<string, unknown>) => {
  const ok = validate(query)
  return { ok, query, problems: fieldProblems(validate.errors ?? [], 'querystring') }
}

describe('list query parameters', () => {
  it('take one value, comma-separated values, repeated values, or both', () => {
    expect(parse({ status: 'a' }).query).toEqual({ status: ['a'] })
    expect(parse({ status: 'a,b' }).query).toEqual({ status: ['a', 'b'] })
    expect(parse({ status: ['a', 'c'] }).query).toEqual({ status: ['a', 'c'] })
    expect(parse({ status: ['a,b', 'c'] }).query).toEqual({ status: ['a', 'b', 'c'] })
  })

  it('refuse a value outside the list, or an empty one, naming the parameter and the allowed values', () => {
    for (const status of ['a,x', ['b', 'x'], '', 'a,,b']) {
      const result = parse({ status })
      expect(result.ok, JSON.stringify(status)).toBe(false)
      expect(result.problems).toEqual([{ parameter: 'status', detail: 'must be one of: a, b, c' }])
    }
  })
})
