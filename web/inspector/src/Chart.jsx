import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** One uPlot chart sized to its container, redrawn when its data or theme changes. */
export function Chart({ options, data, label, theme }) {
  const box = useRef(null);
  useEffect(() => {
    const element = box.current;
    const ink = getComputedStyle(element).color;
    const grid = theme === 'dark' ? 'rgba(255,255,255,0.12)' : 'rgba(0,0,0,0.08)';
    const axes = (options.axes ?? [{}, {}]).map((axis) => ({ stroke: ink, grid: { stroke: grid }, ticks: { stroke: grid }, ...axis }));
    const plot = new uPlot({ width: element.clientWidth || 600, height: 240, ...options, axes }, data, element);
    const resize = new ResizeObserver(() => plot.setSize({ width: element.clientWidth || 600, height: 240 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [options, data, theme]);
  return <div className="chart" ref={box} role="img" aria-label={label} data-testid="chart" />;
}
