/// <reference lib="dom" />
// The segment report in a real browser (Debian's Chromium, headless, through playwright-core): the
// file `insiders segment --report` writes for the bundled data, and GET /report from a running
// service. Each page loads with no console error and no request but itself, every chart is there
// with its marks, and the segment table's numbers are the ones the CLI and the service keep.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'csv-parse/sync';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateStore, storeOptions } from '../../src/state/state-store.js';
import { launchChromium } from '../support/browser.js';
import { reportCharts } from '../support/report-charts.js';
import { exited, spawnCli } from '../support/cli.js';
import { onlineRetailCsv } from '../support/data-set.js';
import { modelDriven } from '../support/integration.js';
import { usePipeline } from '../support/use-pipeline.js';
import { caughtUp, replayDataSet } from '../support/pipeline.js';
import { startServiceProcess, stopServiceProcess, type ServiceProcess } from '../support/service-process.js';

interface Opened {
  readonly requests: string[];
  readonly errors: string[];
  /** per chart: its data marks (ECharts tags each drawn datum) and how many have an area on screen */
  readonly marks: Record<string, { readonly marks: number; readonly visible: number }>;
  /** the segment table: name, customers, shares and revenue as shown */
  readonly table: {
    segmentId: string;
    name: string;
    customers: string;
    shareOfCustomers: string;
    revenue: string;
    shareOfRevenue: string;
  }[];
}

async function open(page: Page, url: string): Promise<Opened> {
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  const response = await page.goto(url, { waitUntil: 'load' });
  expect(response?.ok()).toBe(true);
  const marks = await page.$$eval('figure.chart', (figures) =>
    Object.fromEntries(
      figures.map((f) => {
        const drawn = [...f.querySelectorAll('svg path[ecmeta_ssr_type="chart"][ecmeta_data_index]')];
        const visible = drawn.filter((e) => {
          const box = e.getBoundingClientRect();
          return box.width > 0 && box.height > 0;
        }).length;
        return [f.getAttribute('data-chart') ?? '', { marks: drawn.length, visible }];
      }),
    ),
  );
  const table = await page.$$eval('table.segments tbody tr', (rows) =>
    rows.map((r) => {
      const cell = (field: string) => r.querySelector(`td[data-field="${field}"]`)?.textContent ?? '';
      return {
        segmentId: r.getAttribute('data-segment-id') ?? '',
        name: r.querySelector('td.segment')?.textContent ?? '',
        customers: cell('customers'),
        shareOfCustomers: cell('share_of_customers'),
        revenue: cell('revenue'),
        shareOfRevenue: cell('share_of_revenue'),
      };
    }),
  );
  return { requests, errors, marks, table };
}

/** A share from segments.csv (four decimals) as the page prints it: percent, two decimals. */
const percent = (share: string | number) => `${(Number(share) * 100).toFixed(2)} %`;

function expectEveryChart(opened: Opened, segments: number): void {
  expect(Object.keys(opened.marks)).toEqual(reportCharts);
  for (const name of reportCharts) {
    expect(opened.marks[name]!.visible, name).toBeGreaterThan(0);
  }
  // every datum drawn: two bars per segment, one per panel, twenty bins at least per distribution
  expect(opened.marks['segment-shares']!.marks).toBe(2 * segments);
  expect(opened.marks['insiders-profile']!.marks).toBe(10);
  for (const name of reportCharts.filter((c) => c.startsWith('histogram-'))) {
    expect(opened.marks[name]!.marks, name).toBeGreaterThanOrEqual(20);
  }
}

describe('the segment report in headless Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser.close();
  });

  it('opens the bundled data report of `insiders segment --report`: no request, no error, every chart, the table of segments.csv', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'insiders-report-'));
    try {
      const file = path.join(dir, 'report.html');
      const cli = spawnCli(['segment', onlineRetailCsv, '--out', dir, '--report', file], {});
      expect(await exited(cli), cli.output()).toBe(0);
      expect((await stat(file)).size).toBeLessThan(2 * 1024 * 1024);
      const csv = parse<Record<string, string>>(await readFile(path.join(dir, 'segments.csv'), 'utf8'), {
        columns: true,
      });

      const page = await browser.newPage();
      const url = pathToFileURL(file).href;
      const opened = await open(page, url);
      expect(opened.requests).toEqual([url]);
      expect(opened.errors).toEqual([]);
      expectEveryChart(opened, csv.length);
      // a scatter plot draws its sample of customers: 1,500 of the bundled data's 4,345
      expect(opened.marks['scatter-recency']!.marks).toBeGreaterThan(1000);
      expect(opened.table).toEqual(
        csv.map((row) => ({
          segmentId: row.segment_id,
          name: row.segment,
          customers: row.customers,
          shareOfCustomers: percent(row.share_of_customers!),
          revenue: row.revenue,
          shareOfRevenue: percent(row.share_of_revenue!),
        })),
      );
      await page.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  describe('GET /report from a running service', () => {
    const pipeline = usePipeline(modelDriven(2, 4));
    const { config } = pipeline;
    let service: ServiceProcess | undefined;

    afterAll(() => {
      if (service?.child.exitCode === null) service.child.kill('SIGKILL');
    });

    it('serves the current model over the state: no request, no error, every chart, the exact sizes kept in Redis', async () => {
      await replayDataSet(config, { limit: 3000 });
      service = await startServiceProcess(config);
      const { base } = service;
      await caughtUp(pipeline.admin, config);
      // before a model: a clear answer, no page
      expect((await fetch(`${base}/report`)).status).toBe(503);
      const refit = await service.refit();
      expect(refit.status).toBe(200);

      const page = await browser.newPage();
      const url = `${base}/report`;
      const opened = await open(page, url);
      expect(opened.requests).toEqual([url]);
      expect(opened.errors).toEqual([]);
      // four clustered segments and the Lapsed group
      expectEveryChart(opened, 5);
      expect(opened.marks['scatter-recency']!.marks).toBeGreaterThan(100);

      const store = await StateStore.open(pipeline.redis, storeOptions(config));
      const sizes = await store.segmentSizes();
      const total = [...sizes.values()].reduce((a, b) => a + b, 0);
      expect(opened.table).toHaveLength(5);
      for (const row of opened.table) {
        expect(Number(row.customers), row.name).toBe(sizes.get(Number(row.segmentId)));
        expect(row.shareOfCustomers).toBe(percent((Number(row.customers) / total).toFixed(4)));
        // revenue per segment is not kept exactly: the page says so rather than estimate it
        expect(row.revenue).toBe('—');
      }
      await page.close();
      expect(await stopServiceProcess(service)).toBe(0);
    });
  });
});
