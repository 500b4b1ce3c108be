import createCache from '@emotion/cache'
import { CacheProvider } from '@emotion/react'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App'

// The page's CSP admits styles inserted at run time only with this response's nonce, which the server
// writes into <meta property="csp-nonce"> (src/admin/admin.plugin.ts). MUI's styles go through emotion,
// which puts the nonce on every <style> it creates.
const nonce = document.querySelector<HTMLMetaElement>('meta[property="csp-nonce"]')?.nonce || undefined
const cache = createCache({ key: 'css', nonce, prepend: true })

const root = document.getElementById('root')
if (!root) throw new Error('index.html has no #root')
createRoot(root).render(
  <StrictMode>
    <CacheProvider value={cache}>
      <App />
    </CacheProvider>
  </StrictMode>,
)
