/**
 * Debian's Chromium driven by playwright-core, as the tests launch it: headless, no sandbox
 * (tests run as root), no background networking (the machine has no Internet).
 */
import { type Browser, chromium } from 'playwright-core'

/** Where Debian's `chromium` package installs the browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium'

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** Launches a fresh headless Chromium, with `extraFlags` beside the usual ones. */
export function launchChromium(extraFlags: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...FLAGS, ...extraFlags],
    timeout: 30_000,
  })
}
