/** Where the API lives under the public base URL. Routes under it need a token unless marked public. */
export const API_PREFIX = '/api/v1'

/**
 * Every absolute URL the service writes, built from PUBLIC_URL (never from the `Host` header): items by
 * type and id (or a document's alias), their archive entries, and links to pages of a list.
 */
export function createUrls(publicUrl: string) {
  const api = `${publicUrl}${API_PREFIX}`
  return {
    /** The API's base URL (the CloudEvents `source`). */
    api,
    /** A live item: `…/api/v1/users/7`. */
    item: (type: string, ref: number | string) => `${api}/${type}/${ref}`,
    /** An item's archive entry: `…/api/v1/users/7/deleted`. */
    archived: (type: string, id: number) => `${api}/${type}/${id}/deleted`,
    /** The request's own URL (a path and query as received), absolute, with its query changed by `edit`. */
    withQuery(requestUrl: string, edit: (params: URLSearchParams) => void) {
      const [path = '/', search = ''] = requestUrl.split('?')
      const params = new URLSearchParams(search)
      edit(params)
      return `${publicUrl}${path}?${params.toString()}`
    },
  }
}

export type Urls = ReturnType<typeof createUrls>
