import { Alert, Box, Button, TextField, Typography } from '@mui/material'
import { type FormEvent, useState } from 'react'
import { Login, useLogin } from 'react-admin'

/**
 * Sign in with an admin's email and password (`POST /tokens`). A plain form: it works with the keyboard
 * alone (the email field has the focus, Tab goes to the password, Enter signs in), every input has a
 * label, and a refusal stays on the page in words, not only as a passing notice.
 */
function SignInForm() {
  const login = useLogin()
  const [error, setError] = useState<string | null>(null)
  const [pending, setPending] = useState(false)
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    setPending(true)
    setError(null)
    try {
      await login({ email: String(form.get('email') ?? ''), password: String(form.get('password') ?? '') })
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught))
      setPending(false)
    }
  }
  return (
    <Box component="form" onSubmit={submit} sx={{ px: 3, pb: 3, width: 360, maxWidth: '100%' }}>
      <Typography component="h1" variant="h5" align="center" gutterBottom>
        Custodian admin
      </Typography>
      <Typography variant="body2" align="center">
        Sign in with an administrator account.
      </Typography>
      {error && (
        <Alert severity="error" role="alert" sx={{ mt: 2 }}>
          {error}
        </Alert>
      )}
      <TextField
        name="email"
        label="Email"
        type="email"
        autoComplete="username"
        required
        autoFocus
        fullWidth
        margin="normal"
      />
      <TextField
        name="password"
        label="Password"
        type="password"
        autoComplete="current-password"
        required
        fullWidth
        margin="normal"
      />
      <Button type="submit" variant="contained" fullWidth disabled={pending} sx={{ mt: 2 }}>
        {pending ? 'Signing in…' : 'Sign in'}
      </Button>
    </Box>
  )
}

export function LoginPage() {
  return (
    <Login>
      <SignInForm />
    </Login>
  )
}
