// What the tests expect of a segment report page: the same charts whether the page is read as text
// or opened in a browser. Written out here rather than taken from src/report/page.ts, so that a
// chart lost or moved there fails the tests.

/** The charts of a segment report page (their data-chart names), in the order the page shows them. */
export const reportCharts = [
  'segment-shares',
  'silhouette',
  'insiders-profile',
  'scatter-recency',
  'scatter-frequency',
  'histogram-grossRevenueMills',
  'histogram-recencyDays',
  'histogram-frequency',
  'histogram-products',
  'histogram-returns',
];
