import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

const COLOURS = ['#1f6feb', '#d1242f', '#1a7f37', '#9a6700', '#8250df', '#bf3989', '#0a7d8c'];
const DASHES: (number[] | undefined)[] = [undefined, [10, 5], [3, 3], [12, 4, 3, 4]];

/**
 * How the i-th line is drawn so that lines with the same counts stay visible: each later line
 * is narrower and dashed, drawn over the earlier, wider ones (two equal series read as a wide
 * line with a dashed one inside it), with smaller points.
 */
export function seriesStyle(i: number, count: number) {
  // The first series is the widest, at the bottom; past four lines the widths stop growing.
  const rank = Math.min(count - 1 - i, 3);
  return {
    stroke: COLOURS[i % COLOURS.length],
    width: 1.5 + 2.5 * rank,
    dash: DASHES[i % DASHES.length],
    points: { show: true, size: 5 + 4 * rank, width: 1 },
  };
}

/** Counts per complete minute as one line per label (uPlot), redrawn when the data changes. */
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
      series: [{}, ...labels.map((label, i) => ({ label, ...seriesStyle(i, labels.length) }))],
    };
    const data: uPlot.AlignedData = [props.minutes, ...labels.map((l) => props.series[l])];
    const plot = new uPlot(opts, data, el);
    return () => plot.destroy();
  }, [props.title, props.minutes, props.series, labels.join('|')]);

  const last = props.minutes.at(-1);
  const through = last === undefined ? '' : new Date((last + 60) * 1000).toLocaleTimeString();
  return (
    <div>
      <div
        ref={host}
        class="chart"
        role="img"
        aria-label={`${props.title} (chart, complete minutes)`}
        data-through={last}
      />
      <p class="chart-note" data-testid="chart-note">
        Complete minutes only, up to {through}: the minute under way is counted in the table (this
        minute so far), not drawn.
      </p>
    </div>
  );
}
