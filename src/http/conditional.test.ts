import { describe, expect, it } from 'vitest'
import { etag, ifMatchHint, notModified, precondition } from './conditional.js'
import { AppError } from './problem.js'

describe('If-Match', () => {
  it('is no condition when absent, unless required (428)', () => {
    expect(precondition(undefined, false)).toBeNull()
    expect(() => precondition(undefined, true)).toThrow(expect.objectContaining({ status: 428 }))
  })

  it('reads * and lists of strong tags; weak or foreign tags name no version', () => {
    expect(precondition('*', true)).toBe('any')
    expect(precondition(`${etag(3)}, ${etag(7)}`, false)).toEqual([3, 7])
    expect(precondition('W/"v3"', false)).toEqual([])
    expect(precondition('"something-else"', false)).toEqual([])
  })

  it('considers only the first distinct tags of a long list', () => {
    const list = Array.from({ length: 100 }, (_, i) => etag(i % 50)).join(', ')
    expect(precondition(list, false)).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
  })

  it('hints at the quotes a client forgot, or at a weak tag', () => {
    expect(ifMatchHint('v5')).toBe('If-Match must list quoted ETags such as "v5".')
    expect(ifMatchHint('"v4", v5')).toBe('If-Match must list quoted ETags such as "v5".')
    expect(ifMatchHint('W/v5')).toBe('If-Match must list quoted ETags such as "v5".')
    expect(ifMatchHint('<v5>')).toBe('If-Match must list quoted ETags such as "v5".')
    expect(ifMatchHint('W/"v5"')).toBe('Weak ETags (W/"…") never match If-Match.')
    for (const wellFormed of ['"v5"', '"v4", "v5"', '*', '"something-else"', undefined])
      expect(ifMatchHint(wellFormed)).toBeNull()
  })

  it('If-None-Match compares weakly', () => {
    expect(notModified('W/"v2"', 2)).toBe(true)
    expect(notModified('"v1", "v2"', 2)).toBe(true)
    expect(notModified('"v1"', 2)).toBe(false)
    expect(notModified(undefined, 2)).toBe(false)
  })

  it('errors are AppErrors with a stable code', () => {
    expect(() => precondition('', true)).toThrow(AppError)
    expect(() => precondition('', true)).toThrow(expect.objectContaining({ code: 'precondition_required' }))
  })
})
