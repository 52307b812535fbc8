// The Reports screen's charts chunk (dist/charts.js and charts.css): uPlot and the few lines that
// draw with it, loaded the first time the Reports screen opens (screen.tsx), so the inbox's main
// bundle carries none of it. It hands its drawing functions over on its own script element.
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import "./charts.css";
import type { Charts, Series } from "./chart-types";

const palette = ["#2352c4", "#9aa5b8", "#c2410c", "#15803d", "#7c3aed"];

/** line draws series over the days (x: unix seconds); it returns a function that removes the chart. */
function line(el: HTMLElement, x: number[], series: Series[], opts: { width: number; height: number; bars?: boolean; value?: (v: number) => string }): () => void {
  const bars = opts.bars ? uPlot.paths.bars!({ size: [0.6, 40] }) : undefined;
  const u = new uPlot(
    {
      width: opts.width,
      height: opts.height,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: !opts.bars }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      axes: [{ stroke: "#6b7280", grid: { show: false } }, { stroke: "#6b7280", values: opts.value ? (_u, vs) => vs.map((v) => opts.value!(v)) : undefined }],
      series: [
        {},
        ...series.map((s, i) => ({
          label: s.label,
          stroke: palette[i % palette.length],
          fill: opts.bars ? palette[i % palette.length] + "cc" : undefined,
          width: 2,
          dash: s.dashed ? [6, 4] : undefined,
          paths: bars,
          points: { show: !opts.bars },
          value: opts.value ? (_u: uPlot, v: number | null) => (v == null ? "–" : opts.value!(v)) : undefined,
        })),
      ],
    },
    [x, ...series.map((s) => s.values)] as uPlot.AlignedData,
    el,
  );
  return () => u.destroy();
}

const charts: Charts = { line };
const s = document.currentScript;
if (s) s.dispatchEvent(new CustomEvent("parley-charts", { detail: charts }));
