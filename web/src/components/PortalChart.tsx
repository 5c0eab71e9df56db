/**
 * Small hand-drawn SVG charts for the open data portal (no chart library): a line for a time series,
 * horizontal bars for categories. Drawn at the container's real width so text stays readable on a
 * phone; every figure is also in a table under "Số liệu của biểu đồ" for screen readers.
 */
import { useEffect, useRef, useState, type RefObject } from 'react';
import type { Point } from '../portal/analyse.ts';
import { useI18n } from '../i18n.ts';

function useWidth(): [RefObject<HTMLDivElement | null>, number] {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const update = () => setWidth(Math.floor(el.clientWidth));
    update();
    const observer = new ResizeObserver(update);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

/** 0, and two more round ticks up to the maximum. */
function ticks(max: number): number[] {
  if (max <= 0) return [0];
  const step = 10 ** Math.floor(Math.log10(max / 2));
  const nice = [1, 2, 2.5, 5, 10].map((m) => m * step).find((s) => s * 2 >= max / 2 && s * 4 >= max) ?? step * 10;
  const out: number[] = [0];
  // Up to the first tick at or above the maximum, so the line never leaves the plot.
  while (out[out.length - 1]! < max - 1e-9 && out.length < 8) out.push(out[out.length - 1]! + nice);
  return out;
}

export interface ChartProps {
  kind: 'time' | 'category';
  points: Point[];
  title: string;
  format: (n: number) => string;
  formatKey: (key: string) => string;
}

export function PortalChart({ kind, points, title, format, formatKey }: ChartProps) {
  const { t } = useI18n();
  const [ref, width] = useWidth();
  return (
    <figure className="portal-chart" data-testid="portal-chart" data-kind={kind}>
      <figcaption className="portal-chart-title">{title}</figcaption>
      <div ref={ref} className="portal-chart-canvas">
        {width > 0 && (kind === 'time' ? <LineChart width={width} points={points} title={title} format={format} formatKey={formatKey} /> : <BarChart width={width} points={points} title={title} format={format} formatKey={formatKey} />)}
      </div>
      <details className="portal-chart-data">
        <summary>{t('portal.chartTable')}</summary>
        <div className="table-wrap">
          <table className="table">
            <tbody>
              {points.map((p) => (
                <tr key={p.key}>
                  <th scope="row">{formatKey(p.key)}</th>
                  <td className="num">{format(p.value)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}

interface DrawProps {
  width: number;
  points: Point[];
  title: string;
  format: (n: number) => string;
  formatKey: (key: string) => string;
}

function LineChart({ width, points, title, format, formatKey }: DrawProps) {
  const height = Math.max(200, Math.min(300, Math.round(width * 0.5)));
  const max = Math.max(0, ...points.map((p) => p.value));
  const axis = ticks(max);
  const top = axis[axis.length - 1] || 1;
  const left = Math.min(72, Math.max(48, format(top).length * 8 + 12));
  const pad = { left, right: 28, top: 12, bottom: 36 };
  const w = width - pad.left - pad.right;
  const h = height - pad.top - pad.bottom;
  const x = (i: number) => pad.left + (points.length <= 1 ? w / 2 : (i * w) / (points.length - 1));
  const y = (v: number) => pad.top + h - (v / top) * h;
  const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
  const labelEvery = Math.max(1, Math.ceil((points.length * 64) / w));
  return (
    <svg width={width} height={height} role="img" aria-label={title} className="chart-svg">
      {axis.map((v) => (
        <g key={v}>
          <line x1={pad.left} x2={width - pad.right} y1={y(v)} y2={y(v)} className="chart-grid" />
          <text x={pad.left - 6} y={y(v) + 4} textAnchor="end" className="chart-tick">
            {format(v)}
          </text>
        </g>
      ))}
      <path d={`${path} L${x(points.length - 1).toFixed(1)},${y(0)} L${x(0).toFixed(1)},${y(0)} Z`} className="chart-area" />
      <path d={path} className="chart-line" data-testid="chart-line" />
      {points.map((p, i) => (
        <g key={p.key}>
          <circle cx={x(i)} cy={y(p.value)} r={3.5} className="chart-dot">
            <title>{`${formatKey(p.key)}: ${format(p.value)}`}</title>
          </circle>
          {i % labelEvery === 0 && (
            <text x={x(i)} y={height - pad.bottom + 18} textAnchor="middle" className="chart-tick">
              {formatKey(p.key)}
            </text>
          )}
        </g>
      ))}
    </svg>
  );
}

function BarChart({ width, points, title, format, formatKey }: DrawProps) {
  const row = 26;
  const pad = { top: 4, bottom: 4 };
  const height = pad.top + pad.bottom + points.length * row;
  const max = Math.max(0, ...points.map((p) => p.value)) || 1;
  const labelW = Math.min(200, Math.round(width * 0.36));
  const valueW = Math.min(96, Math.max(56, ...points.map((p) => format(p.value).length * 8 + 8)));
  const barW = Math.max(20, width - labelW - valueW - 8);
  const maxChars = Math.max(6, Math.floor(labelW / 7.2));
  const clip = (s: string) => (s.length > maxChars ? `${s.slice(0, maxChars - 1)}…` : s);
  return (
    <svg width={width} height={height} role="img" aria-label={title} className="chart-svg">
      {points.map((p, i) => {
        const yy = pad.top + i * row;
        const bw = Math.max(1, (p.value / max) * barW);
        const label = formatKey(p.key);
        return (
          <g key={p.key}>
            <text x={labelW - 8} y={yy + row / 2 + 4} textAnchor="end" className="chart-label">
              {clip(label)}
            </text>
            <rect x={labelW} y={yy + 4} width={bw} height={row - 8} rx={2} className="chart-bar" data-testid="chart-bar">
              <title>{`${label}: ${format(p.value)}`}</title>
            </rect>
            <text x={labelW + bw + 6} y={yy + row / 2 + 4} className="chart-value">
              {format(p.value)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
