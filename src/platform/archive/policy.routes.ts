import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Archive } from './archive.js'

const PolicySchema = Type.Object({
  retention_days: Type.Record(Type.String(), Type.Integer(), {
    description: 'Days an archived item of each type is kept; its purge_at is fixed when it is deleted',
  }),
})

/** `GET /archive/policy`: how long the archive keeps each type, so clients can show what expires soon. */
export const archivePolicyRoutes: FastifyPluginAsyncTypebox<{ archive: Pick<Archive, 'policy'> }> = async (
  app,
  { archive },
) => {
  app.get(
    '/archive/policy',
    {
      config: { auth: 'required' },
      schema: { tags: ['archive'], summary: 'Retention per type', response: { 200: PolicySchema } },
    },
    async () => archive.policy(),
  )
}
