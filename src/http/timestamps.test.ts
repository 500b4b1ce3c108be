import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseTimestamp } from './timestamps.js'

const iso = (text: string) => parseTimestamp(text)?.toISOString() ?? null

describe('parseTimestamp (RFC 3339)', () => {
  it('reads offsets, fractions and the forms RFC 3339 allows', () => {
    expect(iso('2020-01-01T00:00:00.5+01:00')).toBe('2019-12-31T23:00:00.500Z')
    expect(iso('2020-01-01T00:00:00-05:30')).toBe('2020-01-01T05:30:00.000Z')
    expect(iso('2020-01-01T00:00:00-00:00')).toBe('2020-01-01T00:00:00.000Z')
    expect(iso('2020-01-01t00:00:00z')).toBe('2020-01-01T00:00:00.000Z')
    expect(iso('2020-01-01 00:00:00Z')).toBe('2020-01-01T00:00:00.000Z')
    expect(iso('2020-02-29T12:00:00Z')).toBe('2020-02-29T12:00:00.000Z')
  })

  it('cuts fractions to milliseconds', () => {
    expect(iso('2020-01-01T00:00:00.123999999Z')).toBe('2020-01-01T00:00:00.123Z')
    expect(iso('2020-01-01T00:00:00.05Z')).toBe('2020-01-01T00:00:00.050Z')
  })

  it('takes a leap second for the start of the next second, as PostgreSQL does', () => {
    expect(iso('2016-12-31T23:59:60Z')).toBe('2017-01-01T00:00:00.000Z')
    expect(iso('2016-12-31T23:59:60.25Z')).toBe('2017-01-01T00:00:00.250Z')
    expect(iso('2017-01-01T00:59:60+01:00')).toBe('2017-01-01T00:00:00.000Z')
    expect(iso('2016-12-31T18:59:60-05:00')).toBe('2017-01-01T00:00:00.000Z')
    // Only the last second of a UTC day can be one.
    expect(iso('2016-12-31T23:59:60+01:00')).toBeNull()
    expect(iso('2016-12-31T12:30:60Z')).toBeNull()
  })

  it('clamps to the years 1–9999 that PostgreSQL and the format share', () => {
    expect(iso('0000-01-01T00:00:00Z')).toBe('0001-01-01T00:00:00.000Z')
    expect(iso('0001-01-01T00:00:00+01:00')).toBe('0001-01-01T00:00:00.000Z')
    expect(iso('9999-12-31T23:59:60Z')).toBe('9999-12-31T23:59:59.999Z')
    expect(iso('9999-12-31T23:00:00-05:00')).toBe('9999-12-31T23:59:59.999Z')
    expect(iso('0050-06-01T00:00:00Z')).toBe('0050-06-01T00:00:00.000Z')
  })

  it('refuses what RFC 3339 does not allow', () => {
    for (const text of [
      '2020-01-01T00:00:00+00',
      '2020-01-01T00:00:00+0100',
      '2020-01-01T00:00:00',
      '2020-01-01T00:00:00.Z',
      '2020-01-01T24:00:00Z',
      '2020-01-01T00:60:00Z',
      '2020-01-01T00:00:61Z',
      '2020-01-01T00:00:00+24:00',
      '2020-01-01T00:00:00+01:60',
      '2019-02-29T00:00:00Z',
      '2020-13-01T00:00:00Z',
      '2020-00-10T00:00:00Z',
      '2020-01-00T00:00:00Z',
      '20200101T000000Z',
      '2020-01-01',
      ' 2020-01-01T00:00:00Z',
      '2020-01-01T00:00:00Z\n',
      '+002020-01-01T00:00:00Z',
      '',
    ]) {
      expect(parseTimestamp(text), JSON.stringify(text)).toBeNull()
    }
  })

  it('reads back every instant it writes', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('0001-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59.999Z'),
          noInvalidDate: true,
        }),
        (date) => {
          expect(parseTimestamp(date.toISOString())?.getTime()).toBe(date.getTime())
        },
      ),
    )
  })
})
