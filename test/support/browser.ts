// Headless Chromium for the report's browser checks: Debian's `chromium` (scripts/stack up installs
// it), driven by playwright-core, which brings no browser of its own. CHROMIUM_PATH overrides the binary.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The flags the report is checked with: no sandbox (root in CI), no GPU, no background fetches. */
export const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `no Chromium at ${chromiumPath}: run scripts/stack up (it installs Debian's chromium) or set CHROMIUM_PATH`,
    );
  }
  return chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
}
