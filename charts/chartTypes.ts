/** One line in a chart: x (steps or seconds) ascending, y aligned; optional min/max envelope from server-side downsampling. */
export interface ChartSeries {
  id: string;
  label: string;
  xs: ArrayLike<number>;
  ys: ArrayLike<number>;
  min?: ArrayLike<number> | undefined;
  max?: ArrayLike<number> | undefined;
  /**
   * The step of each point: what the readout and the data table align series
   * by (never by index: series miss different steps). Defaults to xs.
   */
  steps?: ArrayLike<number> | undefined;
  /**
   * Cumulative count of missed steps before each point (MetricHistory.gaps):
   * the line breaks between two points whose counts differ; a point with no
   * connected neighbour is drawn as a dot.
   */
  gaps?: ArrayLike<number> | undefined;
}

export type XDomain = [number, number] | null;
