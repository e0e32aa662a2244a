// The occupancy chart: mean head count per zone over the window (uPlot),
// buckets merged so that a week still draws a few hundred points.
import uPlot from './node_modules/uplot/dist/uPlot.esm.js';

const MAX_POINTS = 400;
const MAX_SERIES = 8;
const COLOURS = ['#1f6feb', '#c4161c', '#0f766e', '#8250df', '#b35900', '#4d7c0f',
	'#be185d', '#0369a1'];

// A bucket's mean is null when trackd has no data for it (before it first
// ran, or while it was down): drawn as a gap, never as zero people.

// Zones with someone in them, busiest first, at most MAX_SERIES.
function pick(zones) {
	const total = (z) => z.buckets.reduce((s, b) => s + (b.mean ?? 0), 0);
	return zones.filter((z) => total(z) > 0).sort((a, b) => total(b) - total(a))
		.slice(0, MAX_SERIES);
}

export function occupancyData(report) {
	const zones = pick(report.zones);
	const nodata = report.zones.every((z) => z.buckets.every((b) => b.mean == null));
	const times = [...new Set(zones.flatMap((z) => z.buckets.map((b) => b.t)))].sort((a, b) => a - b);
	const step = Math.max(1, Math.ceil(times.length / MAX_POINTS));
	const xs = [];
	for (let i = 0; i < times.length; i += step)
		xs.push(times[i]);
	const series = zones.map((z) => {
		const byT = new Map(z.buckets.map((b) => [b.t, b.mean]));
		return xs.map((_, k) => {
			let s = 0, n = 0;
			for (let i = k * step; i < Math.min(times.length, (k + 1) * step); i++) {
				const v = byT.get(times[i]);
				if (v == null)
					continue;
				s += v;
				n++;
			}
			return n ? s / n : null;
		});
	});
	return { zones, data: [xs, ...series], nodata };
}

// The chart of report into el (old destroyed); null when nothing is drawn.
// el.dataset says what is shown: points, series, gaps (points without
// data) and nodata (none at all).
export function drawOccupancy(el, report, old) {
	old?.destroy();
	const { zones, data, nodata } = occupancyData(report);
	el.dataset.points = String(data[0].length);
	el.dataset.series = String(zones.length);
	el.dataset.gaps = String(data[1] ? data[1].filter((v) => v == null).length : 0);
	el.dataset.nodata = String(nodata);
	if (!zones.length)
		return null;
	const width = Math.max(300, el.clientWidth);
	return new uPlot({
		width, height: 280,
		scales: { x: { time: true } },
		axes: [{}, { label: 'people and equipment', size: 50 }],
		// A gap stays a gap: no line across a stretch without data.
		spanGaps: false,
		series: [{}, ...zones.map((z, i) => ({
			label: z.name, stroke: COLOURS[i % COLOURS.length], width: 2,
			points: { show: data[0].length <= 30 },
			value: (u, v) => (v == null ? '–' : v.toFixed(1)),
		}))],
	}, data, el);
}
