import { describe, expect, it } from 'vitest'
import { decodeCursor, encodeCursor, pageRequest } from './pagination.js'
import { AppError } from './problem.js'

const byId = { ordering: 'id', expression: null }

describe('cursors', () => {
  it('round-trip and stay opaque (URL-safe)', () => {
    const cursor = {
      ordering: '-created_at',
      key: ['2026-01-01T00:00:00.000Z', 42] as [string, number],
      direction: 'prev' as const,
    }
    const text = encodeCursor(cursor)
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(decodeCursor(text, '-created_at')).toEqual(cursor)
  })

  it('refuse a cursor made for another ordering', () => {
    const text = encodeCursor({ ordering: 'email', key: ['a@b.ch', 1], direction: 'next' })
    expect(() => decodeCursor(text, 'id')).toThrow(AppError)
  })

  it.each([
    ['not base64 json', 'bm9wZQ'],
    ['wrong shape', Buffer.from(JSON.stringify({ o: 'id', k: 'x', d: 'n' })).toString('base64url')],
    ['unsafe id', Buffer.from(JSON.stringify({ o: 'id', k: [1e300], d: 'n' })).toString('base64url')],
    ['bad direction', Buffer.from(JSON.stringify({ o: 'id', k: [1], d: 'x' })).toString('base64url')],
  ])('refuse %s with a 400 naming the parameter', (_name, text) => {
    try {
      decodeCursor(text, 'id')
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(AppError)
      expect((error as AppError).status).toBe(400)
      expect((error as AppError).extras.errors).toEqual([{ parameter: 'cursor', detail: expect.any(String) }])
    }
  })
})

describe('pageRequest', () => {
  it('defaults to page 1 of 10 and clamps the size to 100', () => {
    expect(pageRequest({}, byId)).toEqual({ mode: 'page', page: 1, size: 10, count: 'estimated' })
    expect(pageRequest({ page: 3, page_size: 500 }, byId)).toEqual({
      mode: 'page',
      page: 3,
      size: 100,
      count: 'estimated',
    })
  })

  it('counts as the client prefers', () => {
    expect(pageRequest({ count: 'exact' }, byId)).toMatchObject({ mode: 'page', count: 'exact' })
  })

  it('starts cursor pagination with an empty cursor, and refuses page with cursor', () => {
    expect(pageRequest({ cursor: '' }, byId)).toEqual({ mode: 'cursor', size: 10, after: null })
    expect(() => pageRequest({ cursor: '', page: 2 }, byId)).toThrow(AppError)
  })
})
