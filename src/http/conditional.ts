import type { FastifyRequest } from 'fastify'
import { fail } from './problem.js'

/** The strong ETag of an item: its row version, which every update bumps. */
export function etag(version: number): string {
  return `"v${version}"`
}

/**
 * What an `If-Match` header allows: null = no condition, 'any' = `*`, or the versions it names.
 * Weak tags never match (RFC 9110 §13.1.1 compares strongly), so `If-Match: W/"v1"` always fails.
 */
export type Precondition = null | 'any' | number[]

/** Only the first tags of an `If-Match` list are considered. */
export const MAX_IF_MATCH_TAGS = 8

export function precondition(ifMatch: string | undefined, required: boolean): Precondition {
  if (ifMatch === undefined || ifMatch.trim() === '') {
    if (required)
      fail.with('precondition_required', 'This server requires If-Match with the ETag of the item on writes.')
    return null
  }
  if (ifMatch.trim() === '*') return 'any'
  const versions = new Set<number>()
  for (const tag of ifMatch.split(',')) {
    // A tag of ours is a safe integer; a longer one (or anything else) names no version: 412, never 400.
    const match = /^\s*"v(\d{1,15})"\s*$/.exec(tag)
    if (match) versions.add(Number(match[1]))
    // Bounded: each list length is its own prepared statement on the database.
    if (versions.size === MAX_IF_MATCH_TAGS) break
  }
  return [...versions]
}

/** Whether an item at `version` meets the condition (none, `*`, or one of the versions named). */
export const satisfies = (precondition: Precondition, version: number): boolean =>
  !Array.isArray(precondition) || precondition.includes(version)

/**
 * Why an `If-Match` could not match whatever the item's version, for the detail of its 412: the
 * client forgot the quotes of an ETag (`If-Match: v5`), or sent a weak one. Null when it is well-formed.
 */
export function ifMatchHint(ifMatch: string | undefined): string | null {
  const tags = (ifMatch ?? '').split(',').map((tag) => tag.trim())
  const unquoted = tags.find((tag) => tag !== '' && tag !== '*' && !/^(W\/)?".*"$/.test(tag))
  if (unquoted !== undefined) {
    const bare = unquoted.replace(/^W\//, '')
    const example = /^[A-Za-z0-9._-]{1,32}$/.test(bare) ? `"${bare}"` : etag(5)
    return `If-Match must list quoted ETags such as ${example}.`
  }
  if (tags.some((tag) => tag.startsWith('W/'))) return 'Weak ETags (W/"…") never match If-Match.'
  return null
}

/** True when `If-None-Match` already names the current representation (answer 304). */
export function notModified(ifNoneMatch: string | undefined, version: number): boolean {
  if (!ifNoneMatch) return false
  if (ifNoneMatch.trim() === '*') return true
  const current = etag(version)
  // If-None-Match compares weakly: W/"v3" matches "v3".
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === current)
}

/** The `If-Match` condition of a write request, required when the server says so (REQUIRE_IF_MATCH). */
export function writePrecondition(request: FastifyRequest): Precondition {
  return precondition(request.headers['if-match'], request.server.config.requireIfMatch)
}
