import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

const COLOURS = ['#1f6feb', '#d1242f', '#1a7f37', '#9a6700', '#8250df', '#bf3989', '#0a7d8c'];

/** Counts per minute as one line per label (uPlot), redrawn when the data changes. */
export function MinuteChart(props: {
  title: string;
  minutes: number[];
  series: Record<string, number[]>;
}) {
  const host = useRef<HTMLDivElement>(null);
  const labels = Object.keys(props.series).sort();

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const opts: uPlot.Options = {
      title: props.title,
      width: Math.max(320, Math.min(900, el.clientWidth || 640)),
      height: 220,
      scales: { x: { time: true } },
      axes: [{}, { label: 'requests / min' }],
      series: [
        {},
        ...labels.map((label, i) => ({
          label,
          stroke: COLOURS[i % COLOURS.length],
          width: 2,
          points: { show: true },
        })),
      ],
    };
    const data: uPlot.AlignedData = [props.minutes, ...labels.map((l) => props.series[l])];
    const plot = new uPlot(opts, data, el);
    return () => plot.destroy();
  }, [props.title, props.minutes, props.series, labels.join('|')]);

  return <div ref={host} class="chart" role="img" aria-label={`${props.title} (chart)`} />;
}
