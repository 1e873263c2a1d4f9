/// <reference lib="dom" />
// The segment report's costs, two parts (one JSON line each):
//
//   file     `insiders segment --report` on the bundled data: the page's size, the time to build it
//            from the data (reportData + renderReport, in process), and its time to render in
//            headless Chromium (navigation start to the load event, and to the second animation
//            frame after it: laid out and painted), against an empty page opened the same way in
//            the same run, alternating, and against the 2 s ceiling.
//   service  GET /report's work (src/report/service-report.ts) over N customers in Redis (a key
//            prefix of its own, filled through the state script as the consumer would, refitted
//            and placed, removed afterwards): its time and the heap it holds, against reading the
//            same-sized sample alone (StateStore.sampleCustomers), alternating.
//
// npm run build && node --expose-gc --import tsx bench/report/report.ts [--part file|service|both] [--repeat 7] [--sizes 100000,1000000] [--orders 2]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { loadConfig } from '../../src/config.js';
import { featuresFromCsv } from '../../src/embedded/csv-features.js';
import { defaultRules } from '../../src/features/filters.js';
import { fitModel, placeCustomers } from '../../src/model/model.js';
import { renderReport } from '../../src/report/page.js';
import { reportData } from '../../src/report/report-data.js';
import { REPORT_SAMPLE_SIZE, serviceReport } from '../../src/report/service-report.js';
import { SegmentAssigner } from '../../src/segmentation/assigner.js';
import { KafkaChangeSink } from '../../src/segmentation/change-publisher.js';
import { ModelStore } from '../../src/state/model-store.js';
import { refit } from '../../src/segmentation/refit.js';
import { sweep } from '../../src/segmentation/sweep.js';
import { launchChromium } from '../../test/support/browser.js';
import { onlineRetailCsv } from '../../test/support/data-set.js';
import { benchConfig, flag, note, repoRoot, uniqueName } from '../ingest/lib.js';
import { fillSyntheticState, withBenchState } from '../model/fill-state.js';

const part = flag('part', 'both');
const repeat = Number(flag('repeat', '7'));
const sizes = flag('sizes', '100000').split(',').map(Number);
const ordersPerCustomer = Number(flag('orders', '2'));
const CEILING_MS = 2000;
const round = (value: number, digits = 1): number => Math.round(value * 10 ** digits) / 10 ** digits;
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const load = () => loadavg().map((x) => round(x, 2));

/** Milliseconds from navigation start to the load event, and to the second frame after it. */
async function renderTimes(page: Page, url: string): Promise<{ loadMs: number; paintedMs: number }> {
  await page.goto(url, { waitUntil: 'load' });
  return page.evaluate(
    () =>
      new Promise<{ loadMs: number; paintedMs: number }>((resolve) => {
        requestAnimationFrame(() =>
          requestAnimationFrame(() => {
            const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
            resolve({ loadMs: nav.loadEventEnd, paintedMs: performance.now() });
          }),
        );
      }),
  );
}

async function filePart(): Promise<void> {
  const config = loadConfig({});
  const dir = mkdtempSync(path.join(tmpdir(), 'insiders-report-bench-'));
  try {
    // the file as the CLI writes it
    const report = path.join(dir, 'report.html');
    execFileSync(
      process.execPath,
      [path.join(repoRoot, 'bin/insiders.js'), 'segment', onlineRetailCsv, '--report', report],
      {
        stdio: ['ignore', 'ignore', 'ignore'],
      },
    );
    const bytes = readFileSync(report).length;
    const empty = path.join(dir, 'empty.html');
    writeFileSync(
      empty,
      '<!doctype html><html><head><meta charset="utf-8"><title>empty</title></head><body></body></html>\n',
    );

    // building it in process, from the features (reading the file is `insiders segment`'s part)
    const csv = await featuresFromCsv(onlineRetailCsv, {
      currency: config.events.currency,
      rules: defaultRules,
      windowDays: config.state.windowDays,
      wallClockMs: Date.now(),
    });
    const model = fitModel(csv.features, { seed: 42, kRange: [2, 10] });
    const placements = placeCustomers(model, csv.features);
    const buildMs: number[] = [];
    for (let i = 0; i < repeat; i++) {
      const started = performance.now();
      renderReport(
        reportData({
          title: 'bench',
          builtAtMs: Date.now(),
          currency: config.events.currency,
          model,
          features: csv.features,
          placements,
          summary: { source: 'bench', customers: csv.features.length, guestOrders: 0, windowDays: 365 },
          seed: 42,
        }),
      );
      buildMs.push(performance.now() - started);
    }

    const browser = await launchChromium();
    const times = {
      report: { loadMs: [] as number[], paintedMs: [] as number[] },
      empty: { loadMs: [] as number[], paintedMs: [] as number[] },
    };
    try {
      for (let i = 0; i < repeat; i++) {
        // alternate which page goes first; a fresh page (no cache of the other) each time
        const order = i % 2 === 0 ? (['report', 'empty'] as const) : (['empty', 'report'] as const);
        for (const which of order) {
          const page = await browser.newPage({ viewport: { width: 1240, height: 900 } });
          const t = await renderTimes(page, pathToFileURL(which === 'report' ? report : empty).href);
          times[which].loadMs.push(t.loadMs);
          times[which].paintedMs.push(t.paintedMs);
          await page.close();
        }
      }
    } finally {
      await browser.close();
    }
    process.stdout.write(
      `${JSON.stringify({
        part: 'file',
        customers: csv.features.length,
        bytes,
        buildMs: { median: round(median(buildMs)), min: round(Math.min(...buildMs)) },
        report: {
          loadMs: round(median(times.report.loadMs)),
          paintedMs: round(median(times.report.paintedMs)),
          paintedMaxMs: round(Math.max(...times.report.paintedMs)),
        },
        emptyPage: { loadMs: round(median(times.empty.loadMs)), paintedMs: round(median(times.empty.paintedMs)) },
        ceilingMs: CEILING_MS,
        repeat,
        loadAverage: load(),
      })}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function servicePart(n: number): Promise<void> {
  const prefix = uniqueName('benchreport');
  const topic = uniqueName('bench.changes');
  const config = benchConfig({ REDIS_KEY_PREFIX: prefix });
  await withBenchState(config, topic, async ({ redis, store, producer }) => {
    note(`filling ${n} customers under ${prefix}`);
    await fillSyntheticState(store, config, n, ordersPerCustomer);
    note('refit and placement');
    const models = new ModelStore(redis, store.keys);
    const now = () => store.now('watermark');
    const fitted = await refit(redis, store, models, {
      sampleSize: 200_000,
      windowDays: config.state.windowDays,
      leaseTtlMs: 120_000,
      now,
      fit: { k: 8 },
    });
    if (fitted.kind !== 'fitted') throw new Error(`refit: ${fitted.kind}`);
    const assigner = new SegmentAssigner(store, new KafkaChangeSink(producer, topic), config.state.windowDays);
    assigner.useModel(fitted.model);
    const placed = await sweep(redis, store, assigner, { leaseTtlMs: 120_000, now, batchSize: 1000 });
    if (placed.kind !== 'swept') throw new Error('the placement pass was skipped');

    const reportMs: number[] = [];
    const sampleMs: number[] = [];
    let heapMb = 0;
    let htmlBytes = 0;
    for (let i = 0; i < repeat; i++) {
      const steps = i % 2 === 0 ? (['report', 'sample'] as const) : (['sample', 'report'] as const);
      for (const step of steps) {
        global.gc?.();
        const heapBefore = process.memoryUsage().heapUsed;
        const started = performance.now();
        if (step === 'report') {
          const html = await serviceReport(store, fitted.model, {
            currency: config.events.currency,
            windowDays: config.state.windowDays,
            nowMs: await now(),
            builtAtMs: Date.now(),
          });
          reportMs.push(performance.now() - started);
          htmlBytes = html.length;
          heapMb = Math.max(heapMb, (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20);
        } else {
          await store.sampleCustomers(REPORT_SAMPLE_SIZE, await now());
          sampleMs.push(performance.now() - started);
        }
      }
    }
    process.stdout.write(
      `${JSON.stringify({
        part: 'service',
        customers: n,
        sample: REPORT_SAMPLE_SIZE,
        reportMs: { median: round(median(reportMs)), max: round(Math.max(...reportMs)) },
        sampleReadMs: { median: round(median(sampleMs)), max: round(Math.max(...sampleMs)) },
        heapHeldMb: round(heapMb),
        htmlBytes,
        repeat,
        loadAverage: load(),
      })}\n`,
    );
  });
}

if (part === 'file' || part === 'both') await filePart();
if (part === 'service' || part === 'both') for (const n of sizes) await servicePart(n);
