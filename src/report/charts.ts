// The report's charts, drawn by Apache ECharts' server-side renderer into SVG strings at build
// time: the page needs no script and loads nothing. One function per chart, from ReportData.
import { BarChart, ScatterChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TitleComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { LAPSED_SEGMENT_ID } from '../model/segments.js';
import { type Histogram, type ReportData, type ReportFeature, type ReportPoint } from './report-data.js';

echarts.use([BarChart, ScatterChart, GridComponent, LegendComponent, TitleComponent, SVGRenderer]);

/** Segment colours by rank (the Insiders first); the Lapsed group is grey. */
const PALETTE = ['#c23531', '#2f4554', '#61a0a8', '#d48265', '#91c7ae', '#749f83', '#ca8622', '#bda29a', '#6e7074'];
const LAPSED_COLOUR = '#b0b0b0';
const INSIDERS_COLOUR = PALETTE[0]!;
const OTHERS_COLOUR = '#8a9bb0';
const BAR_COLOUR = '#2f4554';
const TEXT = { fontFamily: 'system-ui, sans-serif', fontSize: 12 };

export const featureLabels: Readonly<Record<ReportFeature, string>> = {
  grossRevenueMills: 'revenue',
  recencyDays: 'recency (days)',
  frequency: 'frequency (orders per active day)',
  products: 'products',
  returns: 'returns (units)',
};

/** A feature's value in the unit the report shows: money in currency units, the rest as it is. */
export const shown = (feature: ReportFeature, value: number): number =>
  feature === 'grossRevenueMills' ? value / 1000 : value;

export function segmentColour(data: ReportData, segmentId: number): string {
  if (segmentId === LAPSED_SEGMENT_ID) return LAPSED_COLOUR;
  const i = data.segments.findIndex((s) => s.segmentId === segmentId);
  return PALETTE[Math.max(0, i) % PALETTE.length]!;
}

function render(option: echarts.EChartsCoreOption, width: number, height: number): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ animation: false, textStyle: TEXT, ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

const compact = (x: number): string => {
  const a = Math.abs(x);
  if (a >= 1e6) return `${+(x / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${+(x / 1e3).toFixed(0)}k`;
  if (a >= 1e3) return `${+(x / 1e3).toFixed(1)}k`;
  if (a >= 10 || x === 0) return String(Math.round(x));
  return String(+x.toPrecision(2));
};

/** Share of customers and share of revenue, side by side for each segment (percent). */
export function segmentSharesChart(data: ReportData): string {
  const names = data.segments.map((s) => s.name);
  const pct = (x: number) => +(100 * x).toFixed(1);
  return render(
    {
      legend: { top: 0 },
      grid: { left: 50, right: 20, top: 40, bottom: 70 },
      xAxis: { type: 'category', data: names, axisLabel: { interval: 0, rotate: 20 } },
      yAxis: { type: 'value', name: '%', axisLabel: { formatter: '{value} %' } },
      series: [
        {
          type: 'bar',
          name: 'share of customers',
          data: data.segments.map((s) => pct(s.shareOfCustomers)),
          itemStyle: { color: OTHERS_COLOUR },
          label: { show: true, position: 'top', fontSize: 10 },
        },
        {
          type: 'bar',
          name: data.sample === undefined ? 'share of revenue' : 'share of revenue (sample)',
          data: data.segments.map((s) => pct(s.shareOfRevenue)),
          itemStyle: { color: INSIDERS_COLOUR },
          label: { show: true, position: 'top', fontSize: 10 },
        },
      ],
    },
    760,
    340,
  );
}

/** Insiders against everyone else, one small panel per feature (medians, original units). */
export function insidersProfileChart(data: ReportData): string {
  const n = data.insidersProfile.length;
  const width = 150;
  const gap = 40;
  return render(
    {
      title: data.insidersProfile.map((p, i) => ({
        text: featureLabels[p.feature],
        left: 30 + i * (width + gap) + width / 2,
        textAlign: 'center',
        top: 0,
        textStyle: { fontSize: 12, fontWeight: 'normal' },
      })),
      grid: data.insidersProfile.map((_, i) => ({ left: 30 + i * (width + gap), width, top: 40, bottom: 30 })),
      xAxis: data.insidersProfile.map((_, i) => ({
        type: 'category',
        gridIndex: i,
        data: ['Insiders', 'others'],
        axisLabel: { interval: 0 },
      })),
      yAxis: data.insidersProfile.map((_, i) => ({
        type: 'value',
        gridIndex: i,
        axisLabel: { formatter: compact, fontSize: 10 },
      })),
      series: data.insidersProfile.map((p, i) => ({
        type: 'bar',
        xAxisIndex: i,
        yAxisIndex: i,
        barWidth: '50%',
        label: { show: true, position: 'top', fontSize: 10, formatter: (v: { value: number }) => compact(v.value) },
        data: [
          { value: shown(p.feature, p.insiders.median), itemStyle: { color: INSIDERS_COLOUR } },
          { value: shown(p.feature, p.others.median), itemStyle: { color: OTHERS_COLOUR } },
        ],
      })),
    },
    30 + n * (width + gap),
    260,
  );
}

export interface ScatterChart {
  readonly svg: string;
  /** points left out for a zero on a log axis */
  readonly leftOut: number;
  readonly logX: boolean;
  readonly logY: boolean;
}

/** `x` against revenue for the drawn customers, one colour per segment; log axes where the data needs them. */
export function scatterChart(data: ReportData, x: 'recencyDays' | 'frequency'): ScatterChart {
  const logX = data.logScale[x];
  const logY = data.logScale.grossRevenueMills;
  const drawn = (p: ReportPoint) => (!logX || p[x] > 0) && (!logY || p.grossRevenueMills > 0);
  const leftOut = data.points.filter((p) => !drawn(p)).length;
  const axis = (log: boolean, name: string) => ({
    type: log ? 'log' : 'value',
    name,
    nameLocation: 'middle',
    nameGap: 30,
    scale: !log,
    axisLabel: { formatter: compact },
    splitLine: { lineStyle: { color: '#eee' } },
  });
  const svg = render(
    {
      legend: { top: 0, itemGap: 16 },
      grid: { left: 60, right: 20, top: 50, bottom: 50 },
      xAxis: axis(logX, `${featureLabels[x]}${logX ? ', log scale' : ''}`),
      yAxis: { ...axis(logY, `revenue (${data.currency})${logY ? ', log scale' : ''}`), nameGap: 45 },
      series: data.segments.map((s) => ({
        type: 'scatter',
        name: s.name,
        symbolSize: 4,
        itemStyle: { color: segmentColour(data, s.segmentId), opacity: 0.65 },
        data: data.points
          .filter((p) => p.segmentId === s.segmentId && drawn(p))
          .map((p) => [+p[x].toPrecision(4), p.grossRevenueMills / 1000]),
      })),
    },
    560,
    420,
  );
  return { svg, leftOut, logX, logY };
}

/** The silhouette of each k tried; the chosen k stands out. */
export function silhouetteChart(data: ReportData): string {
  const tried = Object.entries(data.model.silhouetteByK)
    .map(([k, s]) => [Number(k), s] as const)
    .sort((a, b) => a[0] - b[0]);
  const ks = tried.length === 0 ? [[data.model.k, data.model.silhouette] as const] : tried;
  return render(
    {
      grid: { left: 50, right: 20, top: 20, bottom: 40 },
      xAxis: { type: 'category', name: 'k', nameLocation: 'middle', nameGap: 25, data: ks.map(([k]) => String(k)) },
      yAxis: { type: 'value', name: 'silhouette' },
      series: [
        {
          type: 'bar',
          label: { show: true, position: 'top', fontSize: 10, formatter: (v: { value: number }) => v.value.toFixed(3) },
          data: ks.map(([k, s]) => ({
            value: s,
            itemStyle: { color: k === data.model.k ? INSIDERS_COLOUR : OTHERS_COLOUR },
          })),
        },
      ],
    },
    380,
    260,
  );
}

/** Bin labels: "a–b" in the feature's shown unit. */
function binLabels(h: Histogram): string[] {
  const bins = h.counts.map(
    (_, i) => `${compact(shown(h.feature, h.edges[i]!))}–${compact(shown(h.feature, h.edges[i + 1]!))}`,
  );
  return h.logBins ? ['0', ...bins] : bins;
}

/** One feature's distribution over the placed customers read. */
export function histogramChart(h: Histogram): string {
  return render(
    {
      grid: { left: 50, right: 10, top: 20, bottom: 70 },
      xAxis: { type: 'category', data: binLabels(h), axisLabel: { rotate: 60, fontSize: 9, interval: 'auto' } },
      yAxis: { type: 'value', name: 'customers', axisLabel: { formatter: compact } },
      series: [
        {
          type: 'bar',
          barCategoryGap: '5%',
          itemStyle: { color: BAR_COLOUR },
          data: h.logBins ? [h.zeros, ...h.counts] : [...h.counts],
        },
      ],
    },
    370,
    260,
  );
}
