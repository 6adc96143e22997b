/** One line in a chart: x (steps or seconds) ascending, y aligned; optional min/max envelope from server-side downsampling. */
export interface ChartSeries {
  id: string;
  label: string;
  xs: number[];
  ys: number[];
  min?: number[] | undefined;
  max?: number[] | undefined;
}

export type XDomain = [number, number] | null;
