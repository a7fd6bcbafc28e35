// uPlot charts for the Analytics page (its own chunk, loaded with the page's first chart).
import uPlot from 'uplot';

// Runs and errors per bucket as bars-like steps; returns the uPlot instance (destroy() to remove).
export function runsChart(el, { series, bucket, width }) {
  const xs = series.map((p) => p.t / 1000);
  const opts = {
    width, height: 260,
    scales: { x: { time: true } },
    legend: { live: false },
    cursor: { drag: { x: false, y: false } },
    axes: [
      { stroke: '#475569', grid: { stroke: '#eef2f7' }, values: bucket === 'day' ? '{MMM} {D}' : '{HH}:{mm}' },
      { stroke: '#475569', grid: { stroke: '#eef2f7' }, size: 40 },
    ],
    series: [
      {},
      { label: 'Runs', stroke: '#4f46e5', fill: 'rgba(79,70,229,0.12)', width: 2, paths: uPlot.paths.stepped({ align: 1 }) },
      { label: 'Errors', stroke: '#dc2626', fill: 'rgba(220,38,38,0.10)', width: 2, paths: uPlot.paths.stepped({ align: 1 }) },
    ],
  };
  return new uPlot(opts, [xs, series.map((p) => p.runs), series.map((p) => p.errors)], el);
}
