/**
 * Pareto plots (predicted accuracy vs predicted latency) as standalone SVG, rendered by
 * echarts' server-side SVG renderer: no browser, no canvas, no DOM.
 */
import * as echarts from 'echarts';

export interface PlotPoint {
  latency: number;
  /** A fraction; plotted in percent. */
  accuracy: number;
}

export interface PlotSeries {
  name: string;
  /** The front, by latency; drawn as a step line through its points. */
  front: PlotPoint[];
  /** The chosen config, drawn as a larger marker. */
  best?: PlotPoint;
  /** A latency budget, drawn as a vertical dashed line. */
  budget?: number;
}

export interface ParetoPlot {
  title: string;
  /** e.g. 'predicted latency on rpi4 (ms, analytic estimate)'. */
  xLabel: string;
  series: PlotSeries[];
  width?: number;
  height?: number;
}

const kPalette = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf'];

export function paretoPlotSvg(plot: ParetoPlot): string {
  const pct = (p: PlotPoint): [number, number] => [p.latency, Number((p.accuracy * 100).toFixed(4))];
  const series: echarts.SeriesOption[] = [];
  plot.series.forEach((s, k) => {
    const color = kPalette[k % kPalette.length];
    series.push({
      type: 'line',
      name: s.name,
      step: 'end',
      data: s.front.map(pct),
      symbol: 'circle',
      symbolSize: 6,
      itemStyle: { color },
      lineStyle: { color, width: 1.5 },
      markLine: s.budget === undefined ? undefined : {
        silent: true,
        symbol: 'none',
        lineStyle: { color, type: 'dashed' },
        label: { formatter: `budget ${s.budget}` },
        data: [{ xAxis: s.budget }],
      },
    });
    if (s.best) {
      series.push({
        type: 'scatter',
        name: `${s.name}: chosen`,
        data: [pct(s.best)],
        symbol: 'diamond',
        symbolSize: 14,
        itemStyle: { color, borderColor: '#000', borderWidth: 1 },
      });
    }
  });
  // Keep every budget line inside the plot, not only the points.
  const budgetMax = Math.max(-Infinity, ...plot.series.map((s) => s.budget ?? -Infinity));
  const xMax = (extent: { max: number }): number => Number((Math.max(extent.max, budgetMax) * 1.04).toPrecision(3));
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: plot.width ?? 720, height: plot.height ?? 480 });
  try {
    chart.setOption({
      animation: false,
      backgroundColor: '#fff',
      title: { text: plot.title, left: 'center', textStyle: { fontSize: 14 } },
      legend: { bottom: 0, itemGap: 24 },
      grid: { left: 70, right: 30, top: 50, bottom: 80 },
      xAxis: { type: 'value', name: plot.xLabel, nameLocation: 'middle', nameGap: 30, scale: true, max: xMax, axisLabel: { showMaxLabel: false } },
      yAxis: { type: 'value', name: 'predicted accuracy (%)', nameLocation: 'middle', nameGap: 50, scale: true },
      series,
    });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}
