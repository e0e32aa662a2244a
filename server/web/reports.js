// The reports page: a window and a floor or zone; occupancy chart, dwell
// and utilization tables, the heatmap, and each as CSV.
import { download, enc, getJson, may, takeTokenFromUrl, whoami } from './api.js';
import { showSignIn, signOut, signedIn, watchUnauthorized } from './signin.js';
import { drawOccupancy } from './occupancy.js';
import { Heatmap } from './heatmap.js';
import { fromLocalInput, nowS, toLocalInput } from './time.js';

const $ = (id) => document.getElementById(id);
let site, chart, heatmap, lastReport;
const form = $('window');

function duration(s) {
	if (!s)
		return '–';
	if (s < 90)
		return `${Math.round(s)} s`;
	if (s < 5400)
		return `${Math.round(s / 60)} min`;
	return `${(s / 3600).toFixed(1)} h`;
}

function query({ zone = true, format } = {}) {
	const f = form.elements;
	const p = new URLSearchParams({
		from: fromLocalInput(f.from.value).toFixed(0),
		to: fromLocalInput(f.to.value).toFixed(0),
	});
	if (zone && f.zone.value)
		p.set('zone', f.zone.value);
	else
		p.set('floor', f.floor.value);
	p.set('days', f.days.value || '7');
	if (format)
		p.set('format', format);
	return p.toString();
}

function setPreset() {
	const v = form.elements.preset.value;
	if (v === 'custom')
		return;
	const to = nowS();
	form.elements.to.value = toLocalInput(to);
	form.elements.from.value = toLocalInput(to - Number(v));
}

function fillZones() {
	const z = form.elements.zone;
	const keep = z.value;
	z.replaceChildren(new Option('All zones', ''));
	for (const zone of site.zones ?? [])
		if (zone.floor === form.elements.floor.value)
			z.append(new Option(zone.name, zone.id));
	z.value = [...z.options].some((o) => o.value === keep) ? keep : '';
}

function cell(tr, text, cls) {
	const td = document.createElement('td');
	td.textContent = text;
	if (cls)
		td.className = cls;
	tr.append(td);
	return td;
}

function dwellTable(report) {
	const body = $('dwell').tBodies[0];
	body.replaceChildren(...report.zones.map((z) => {
		const tr = document.createElement('tr');
		cell(tr, z.name);
		cell(tr, String(z.visits), 'num');
		for (const k of ['total_s', 'mean_s', 'median_s', 'p90_s'])
			cell(tr, duration(z[k]), 'num');
		return tr;
	}));
}

function utilTable(report) {
	const body = $('util').tBodies[0];
	const unseen = new Set(report.not_seen);
	body.replaceChildren(...report.assets.sort((a, b) => b.utilization - a.utilization).map((a) => {
		const tr = document.createElement('tr');
		if (unseen.has(a.tag))
			tr.className = 'unseen';
		cell(tr, `${a.name} (${a.tag})`);
		cell(tr, a.category);
		cell(tr, duration(a.moving_s), 'num');
		cell(tr, duration(a.idle_s), 'num');
		const td = cell(tr, '');
		const meter = document.createElement('meter');
		meter.min = 0;
		meter.max = 1;
		meter.value = a.utilization;
		const pct = document.createElement('span');
		pct.textContent = unseen.has(a.tag) ? ` not seen for ${report.not_seen_days} days`
			: ` ${Math.round(a.utilization * 100)}%`;
		td.append(meter, pct);
		return tr;
	}));
	const names = new Map(report.assets.map((a) => [a.tag, a.name]));
	$('not-seen').textContent = report.not_seen.length
		? `Not seen for ${report.not_seen_days} days or more: ` +
		  report.not_seen.map((id) => names.get(id) ?? id).join(', ')
		: `Every asset was seen within the last ${report.not_seen_days} days.`;
}

async function show() {
	$('status').textContent = 'loading…';
	$('report-error').hidden = true;
	const floor = form.elements.floor.value;
	try {
		const [occ, dwell, util, heat] = await Promise.all([
			getJson(`api/v1/reports/occupancy?${query()}`),
			getJson(`api/v1/reports/dwell?${query()}`),
			getJson(`api/v1/reports/utilization?${query()}`),
			getJson(`api/v1/reports/heatmap?${query({ zone: false })}`),
		]);
		lastReport = occ;
		chart = drawOccupancy($('occ-chart'), occ, chart);
		showChartNote(chart, occ);
		dwellTable(dwell);
		utilTable(util);
		await heatmap.show(floor, heat);
		$('status').textContent = `as of ${new Date().toLocaleTimeString()}`;
	} catch (e) {
		failed(e);
	}
}

// Under the chart: why nothing is drawn (no data at all differs from
// nobody counted); hidden when there is a chart.
function showChartNote(drawn, occ) {
	const note = $('occ-empty');
	note.hidden = !!drawn;
	note.textContent = $('occ-chart').dataset.nodata === 'true' && occ.zones.length
		? 'No data for this window: trackd was not running then.'
		: 'No one was counted in this window.';
}

// A failed query: nothing of the old window stays on screen as if it were
// this one's, and the error says what went wrong in full.
function failed(e) {
	chart?.destroy();
	chart = null;
	lastReport = null;
	$('occ-chart').replaceChildren();
	$('occ-chart').dataset.series = '0';
	$('occ-empty').hidden = true;
	$('dwell').tBodies[0].replaceChildren();
	$('util').tBodies[0].replaceChildren();
	$('not-seen').textContent = '';
	heatmap.clear();
	const why = e.status === 403 ? 'your role may not see reports'
		: e.status ? `the server answered ${e.status}, ${e.message}` : e.message;
	const err = $('report-error');
	err.textContent = `The reports could not be loaded: ${why}.`;
	err.hidden = false;
	$('status').textContent = '';
}

async function main() {
	takeTokenFromUrl();
	watchUnauthorized();
	let me;
	try {
		me = await whoami();
		site = await getJson('api/v1/site');
	} catch (e) {
		if (e.status === 401)
			showSignIn();
		else
			$('status').textContent = `Cannot reach the server: ${e.message}`;
		return;
	}
	$('who').textContent = me.name ? `${me.name} · ${me.role}` : me.role;
	$('signout').hidden = !signedIn(me);
	$('signout').onclick = signOut;
	$('live-link').hidden = !(may.people(me.role) || may.assets(me.role));
	$('site-name').textContent = site.name || site.site;
	document.title = `${site.name || site.site} — reports`;
	for (const f of site.floors)
		form.elements.floor.append(new Option(f.name || f.id, f.id));
	fillZones();
	setPreset();
	heatmap = new Heatmap($('heatmap'), site);
	form.elements.preset.onchange = () => {
		setPreset();
		show();
	};
	form.elements.floor.onchange = () => {
		fillZones();
		show();
	};
	form.elements.zone.onchange = show;
	for (const k of ['from', 'to'])
		form.elements[k].oninput = () => { form.elements.preset.value = 'custom'; };
	form.onsubmit = (ev) => {
		ev.preventDefault();
		if (form.elements.preset.value !== 'custom')
			setPreset();
		show();
	};
	for (const b of document.querySelectorAll('[data-csv]'))
		b.onclick = () => {
			const which = b.dataset.csv;
			const q = query({ zone: which !== 'heatmap', format: 'csv' });
			download(`api/v1/reports/${which}?${q}`, `${which}-${form.elements.floor.value}.csv`)
				.catch((e) => { $('status').textContent = `Download failed: ${e.message}`; });
		};
	window.addEventListener('resize', () => lastReport && (chart = drawOccupancy($('occ-chart'), lastReport, chart)));
	await show();
}

main();
