import type { CheckboxOwnerState } from '@mui/material'
import { defaultTheme, type RaThemeOptions } from 'react-admin'

/**
 * react-admin's default theme with the system's fonts (nothing is downloaded: the CSP admits no font
 * from elsewhere), status colours dark enough for AA contrast with white text and on white, and two accessibility
 * fixes found by axe: every spinner has a name, and a checkbox's `aria-label` names its input (react-admin
 * labels the selection checkboxes of list rows on MUI's root element, a span, leaving the input unnamed).
 * With the system's "reduce motion" setting, nothing moves.
 */
const reduceMotion =
  typeof window !== 'undefined' && window.matchMedia?.('(prefers-reduced-motion: reduce)').matches

export const theme: RaThemeOptions = {
  ...defaultTheme,
  palette: {
    ...defaultTheme.palette,
    mode: 'light',
    primary: { main: '#1a237e' },
    secondary: { main: '#283593' },
    error: { main: '#b71c1c' },
    warning: { main: '#a84300' },
    info: { main: '#01579b' },
    success: { main: '#1b5e20' },
  },
  typography: {
    fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  },
  // Asked for less motion (an operating-system setting): no transitions, no ripples.
  ...(reduceMotion && { transitions: { create: () => 'none' } }),
  components: {
    ...defaultTheme.components,
    ...(reduceMotion && { MuiButtonBase: { defaultProps: { disableRipple: true } } }),
    MuiCircularProgress: { defaultProps: { 'aria-label': 'Loading' } },
    MuiCheckbox: {
      defaultProps: {
        slotProps: {
          root: { 'aria-label': undefined } as object,
          input: (ownerState: CheckboxOwnerState) => ({
            'aria-label': (ownerState as { 'aria-label'?: string })['aria-label'],
          }),
        },
      },
    },
  },
}
