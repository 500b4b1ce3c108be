import type { Ajv } from 'ajv'
import type { DataValidationCxt } from 'ajv/dist/types/index.js'

/**
 * RFC 3339 `date-time` (§5.6): `T` or `t` (or a space, which §5.6 allows for readability) between date
 * and time, any number of fraction digits, and `Z`, `z` or a `±hh:mm` offset. Hour-only (`+01`) and
 * colon-less (`+0100`) offsets are ISO 8601 but not RFC 3339, so they are refused.
 */
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/

/** Milliseconds since the epoch of a UTC date and time; unlike `Date.UTC`, years 0–99 are not 1900–1999. */
function utc(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0) {
  const date = new Date(0)
  date.setUTCFullYear(year, month - 1, day)
  return date.setUTCHours(hour, minute, second, ms)
}

/** The instants a filter can compare with: PostgreSQL has no year 0, and these are the 4-digit years. */
const EARLIEST = utc(1, 1, 1)
const LATEST = utc(9999, 12, 31, 23, 59, 59, 999)

const daysIn = (year: number, month: number) => new Date(utc(year, month + 1, 0)).getUTCDate()

/**
 * Parses an RFC 3339 timestamp into the instant it names, or null when it is not one. `new Date()`
 * alone accepts other forms and refuses valid ones (a leap second), so every timestamp a client sends
 * goes through here.
 *
 * - A leap second (`23:59:60` in UTC, RFC 3339 §5.7) is the first instant of the next second, as
 *   PostgreSQL reads it: `2016-12-31T23:59:60Z` is `2017-01-01T00:00:00Z`.
 * - Fractions are cut to milliseconds, the precision timestamps are stored with.
 * - Instants before year 1 or after year 9999 (reachable through an offset) are clamped to those
 *   bounds: no stored timestamp lies beyond them, so a filter means the same, and the database never
 *   sees a year it cannot read.
 */
export function parseTimestamp(text: string): Date | null {
  const m = RFC3339.exec(text)
  if (!m) return null
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  const millis = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3))
  const sign = m[8] === '-' ? -1 : 1
  const offsetHours = Number(m[9] ?? 0)
  const offsetMinutes = Number(m[10] ?? 0)
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return null
  if (hour > 23 || minute > 59 || second > 60 || offsetHours > 23 || offsetMinutes > 59) return null
  const offset = sign * (offsetHours * 60 + offsetMinutes)
  // Second 60 carries into the next minute (and day, and year) like any overflow.
  const instant = utc(year, month, day, hour, minute, second, millis) - offset * 60_000
  if (second === 60) {
    // Only the last second of a UTC day can be a leap second.
    const utc = new Date(instant - 1000)
    if (utc.getUTCHours() !== 23 || utc.getUTCMinutes() !== 59) return null
  }
  return new Date(Math.min(Math.max(instant, EARLIEST), LATEST))
}

/** Marks a string schema whose value is replaced by its instant in canonical form before handlers run. */
export const TIMESTAMP_KEYWORD = 'x-timestamp'

/**
 * Teaches a validator RFC 3339: `format: date-time` accepts exactly what `parseTimestamp` parses
 * (replacing ajv-formats' looser check), and a value under `x-timestamp` is rewritten to the instant
 * in UTC with milliseconds (`2017-01-01T00:00:00.000Z`), which `new Date()` and every driver read.
 * A route handler never sees a timestamp it could fail on.
 */
export function addTimestamps(ajv: Ajv) {
  ajv.addFormat('date-time', { type: 'string', validate: (value: string) => parseTimestamp(value) !== null })
  ajv.addKeyword({
    keyword: TIMESTAMP_KEYWORD,
    type: 'string',
    schemaType: 'boolean',
    modifying: true,
    errors: false,
    // The format reports an invalid value; this only rewrites valid ones.
    validate: (enabled: boolean, value: string, _schema: unknown, data?: DataValidationCxt) => {
      const instant = enabled ? parseTimestamp(value) : null
      if (instant && data?.parentData)
        (data.parentData as Record<string | number, unknown>)[data.parentDataProperty] = instant.toISOString()
      return true
    },
  })
}
