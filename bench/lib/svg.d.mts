export function xmlEscape(s: unknown): string;
export function niceTicks(lo: number, hi: number, count?: number): number[];
export function lineChart(o: {
  title: string;
  xLabel: string;
  yLabel: string;
  series: { name: string; points: [number, number][] }[];
  xScale?: 'linear' | 'log';
  xTicks?: number[];
  xTickLabel?: (x: number) => string;
  width?: number;
  height?: number;
}): string;
