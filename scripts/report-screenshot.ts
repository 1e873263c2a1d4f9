// Renders the bundled data's report (`insiders segment --report`) in headless Chromium and keeps a
// screenshot of the whole page in docs/report.png, the picture the README shows.
// Run: npm run build && npx tsx scripts/report-screenshot.ts
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchChromium } from '../test/support/browser.js';

const root = path.resolve(import.meta.dirname, '..');
const dir = mkdtempSync(path.join(tmpdir(), 'insiders-report-'));
try {
  const report = path.join(dir, 'report.html');
  execFileSync(
    process.execPath,
    [path.join(root, 'bin/insiders.js'), 'segment', path.join(root, 'data/online-retail.csv.gz'), '--report', report],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1240, height: 900 } });
    await page.goto(pathToFileURL(report).href);
    const out = path.join(root, 'docs/report.png');
    await page.screenshot({ path: out, fullPage: true });
    process.stdout.write(`wrote ${path.relative(root, out)}\n`);
  } finally {
    await browser.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
