import { HttpError } from 'react-admin'
import { session } from './session'

/**
 * Where the API is, relative to the page: the console and the API share an origin, and the page's CSP
 * (`connect-src 'self'`) admits no other. The absolute links in the API's answers (`url`, `next`) are
 * built from the server's PUBLIC_URL, which may name another origin, so the console never follows them:
 * it builds its own paths from ids and page numbers.
 */
export const API_BASE = '/api/v1'

/** An RFC 9457 problem as the API sends it (README, "Errors"). */
export interface Problem {
  type?: string
  title?: string
  status: number
  detail?: string
  instance?: string
  code?: string
  request_id?: string
  errors?: { pointer?: string; parameter?: string; header?: string; detail: string }[]
  [member: string]: unknown
}

/** What an API error carries for the pages: the problem, its request id, and per-field messages. */
export interface ApiErrorBody {
  problem: Problem
  requestId: string | null
  /** react-admin shows these under the form's inputs; `root.serverError` is the whole message. */
  errors?: Record<string, string | { serverError: string }>
}

export type ApiError = HttpError & { body: ApiErrorBody }

export const isApiError = (error: unknown): error is ApiError =>
  error instanceof HttpError && typeof (error.body as ApiErrorBody | null)?.problem === 'object'

/** What the operator can do about a problem, by its stable code, beyond what its detail says. */
const ADVICE: Record<string, (problem: Problem) => string> = {
  precondition_failed: () =>
    'Someone changed this item after you opened it: reload it to see their change, then try again.',
  precondition_required: () => 'The server requires the item’s current version: reload it and try again.',
  rate_limited: (p) =>
    `Wait ${typeof p.retry_after === 'string' ? `${p.retry_after} s` : 'a moment'} before trying again.`,
  archived: () => 'It is in the archive, where it can be restored.',
  gone: () => 'It was purged: it no longer exists.',
  internal_error: () =>
    'Something failed on the server. Give the request id to whoever runs it: their log says what happened.',
  service_unavailable: () => 'The service cannot answer now; try again shortly.',
}

const sentence = (text: string) => (/[.!?:]$/.test(text) ? text : `${text}.`)

/**
 * A problem in words for the operator: the API's detail (already a sentence for people), advice for the
 * codes that call for some, and the request id that finds the request in the server's log.
 */
export function describeProblem(problem: Problem, requestId: string | null): string {
  const parts = [sentence(problem.detail ?? problem.title ?? `The request failed (${problem.status})`)]
  const fieldProblems = (problem.errors ?? []).map((e) => {
    const where = e.pointer ? e.pointer.replace(/^\//, '').replace(/\//g, '.') : (e.parameter ?? e.header)
    return where ? `${where}: ${e.detail}` : e.detail
  })
  if (fieldProblems.length) parts.push(sentence(fieldProblems.join('; ')))
  const advice = problem.code ? ADVICE[problem.code]?.(problem) : undefined
  if (advice) parts.push(advice)
  const what = [problem.status, problem.code].filter(Boolean).join(' ')
  parts.push(requestId ? `(${what}; request id ${requestId})` : `(${what})`)
  return parts.join(' ')
}

/** The error of a failed response: its problem in words, and the field messages for the form. */
export function apiError(response: Response, body: unknown): ApiError {
  const problem: Problem =
    body && typeof body === 'object' && 'status' in body
      ? (body as Problem)
      : { status: response.status, title: response.statusText || 'The request failed' }
  const requestId = problem.request_id ?? response.headers.get('x-request-id')
  const retryAfter = response.headers.get('retry-after')
  if (retryAfter && problem.retry_after === undefined) problem.retry_after = retryAfter
  const message = describeProblem(problem, requestId)
  const fields: Record<string, string> = {}
  for (const e of problem.errors ?? []) {
    // `/email` is the input `email`; `/aliases/2` is the input `aliases`.
    const field = e.pointer?.split('/')[1]
    if (field) fields[field] = e.detail
  }
  const errorBody: ApiErrorBody = {
    problem,
    requestId,
    ...(Object.keys(fields).length > 0 && { errors: { ...fields, root: { serverError: message } } }),
  }
  return new HttpError(message, response.status, errorBody) as ApiError
}

export interface ApiResponse<T> {
  status: number
  headers: Headers
  json: T
}

export interface ApiRequest {
  method?: string
  body?: unknown
  headers?: Record<string, string>
  /** The bearer token; by default the session's. `null` sends none. */
  token?: string | null
  signal?: AbortSignal
}

/** One call of the API: JSON in and out, the session's bearer token, problems thrown as {@link ApiError}. */
export async function api<T = unknown>(path: string, request: ApiRequest = {}): Promise<ApiResponse<T>> {
  const headers = new Headers({ accept: 'application/json, application/problem+json', ...request.headers })
  const token = request.token === undefined ? session.get()?.token : request.token
  if (token) headers.set('authorization', `Bearer ${token}`)
  if (request.body !== undefined && !headers.has('content-type'))
    headers.set('content-type', 'application/json')
  let response: Response
  try {
    response = await fetch(`${API_BASE}${path}`, {
      method: request.method ?? 'GET',
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: request.signal,
      cache: 'no-store',
    })
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error
    throw new HttpError(
      `The API did not answer (${error instanceof Error ? error.message : String(error)}): is the server running?`,
      0,
    )
  }
  const text = await response.text()
  let json: unknown = null
  if (text) {
    try {
      json = JSON.parse(text)
    } catch {
      json = null
    }
  }
  if (!response.ok) throw apiError(response, json)
  return { status: response.status, headers: response.headers, json: json as T }
}

/** A query string from the defined, non-empty values. */
export function query(values: Record<string, string | number | boolean | null | undefined>): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined || value === null || value === '') continue
    params.set(key, String(value))
  }
  const text = params.toString()
  return text ? `?${text}` : ''
}
