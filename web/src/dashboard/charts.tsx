/**
 * Apache ECharts, tree-shaken to the charts the dashboard draws (bar, line, pie) and rendered on a
 * canvas, so that a chart exports as PNG. Bundled from npm: no CDN.
 */
import { BarChart, LineChart, PieChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TitleComponent, TooltipComponent } from 'echarts/components';
import { init, use, type ComposeOption, type ECharts } from 'echarts/core';
import type { BarSeriesOption, LineSeriesOption, PieSeriesOption } from 'echarts/charts';
import type { GridComponentOption, LegendComponentOption, TooltipComponentOption } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

use([BarChart, LineChart, PieChart, GridComponent, LegendComponent, TitleComponent, TooltipComponent, CanvasRenderer]);

export type ChartOption = ComposeOption<BarSeriesOption | LineSeriesOption | PieSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption>;

/** One chart; `label` names it for screen readers, `onReady` hands out the instance (PNG export). */
export function Chart({ option, label, height = 280, testId, onReady }: { option: ChartOption; label: string; height?: number; testId?: string; onReady?: (chart: ECharts) => void }) {
  const ref = useRef<HTMLDivElement>(null);
  const chartRef = useRef<ECharts | null>(null);
  useEffect(() => {
    if (!ref.current) return;
    const chart = init(ref.current, undefined, { renderer: 'canvas' });
    chartRef.current = chart;
    onReady?.(chart);
    const resize = () => chart.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.dispose();
      chartRef.current = null;
    };
    // Created once per mount; options and the export hook change through the effect below and the ref.
  }, []);
  useEffect(() => {
    chartRef.current?.setOption(option, true);
  }, [option]);
  return <div ref={ref} className="dash-chart" style={{ height }} role="img" aria-label={label} data-testid={testId} />;
}

/** Downloads a chart as a PNG file. */
export function downloadPng(chart: ECharts | null, name: string): void {
  if (!chart) return;
  const a = document.createElement('a');
  a.href = chart.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: '#ffffff' });
  a.download = `${name}.png`;
  a.click();
}
