// What the charts chunk (charts.ts) hands the Reports screen.

export interface Series {
  label: string;
  values: (number | null)[];
  dashed?: boolean;
}

export interface Charts {
  /** line draws series over x into el (bars: as bars over categories); the result removes it. */
  line(el: HTMLElement, x: number[], series: Series[], opts: { width: number; height: number; bars?: boolean; value?: (v: number) => string }): () => void;
}
