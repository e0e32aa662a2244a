// A floor on a Leaflet map: site metres to map coordinates (L.CRS.Simple,
// one unit a metre), the floor's drawing and its zone outlines.
import * as L from './node_modules/leaflet/dist/leaflet-src.esm.js';
import { enc, getDataUrl } from './api.js';
import { fittingForm, nameForms } from './labels.js';

// Site coordinates have their origin at the drawing's top-left ("down", the
// default) or bottom-left ("up"); Leaflet's y grows upwards.
export function frame(site, floor) {
	const down = (site.y_axis ?? 'down') === 'down';
	const toLatLng = (x, y) => L.latLng(down ? -y : y, x);
	const fromLatLng = (ll) => ({ x: ll.lng, y: down ? -ll.lat : ll.lat });
	const bounds = L.latLngBounds(toLatLng(0, 0), toLatLng(floor.width, floor.height));
	return { toLatLng, fromLatLng, bounds };
}

export function newMap(el, opts = {}) {
	return L.map(el, {
		crs: L.CRS.Simple, minZoom: -2, maxZoom: 6, zoomSnap: 0.25,
		attributionControl: false, ...opts,
	});
}

const imageCache = new Map(); // floor id -> data URL, or null for none

async function floorImage(floor) {
	if (!floor.image)
		return null;
	if (!imageCache.has(floor.id)) {
		imageCache.set(floor.id, getDataUrl(
			`api/v1/site/floors/${enc(floor.id)}/image`).catch(() => null));
	}
	return imageCache.get(floor.id);
}

// The drawing (when the server has one) under the zone outlines. Without
// a drawing the outlines are filled, so the floor still reads as a plan.
// Returns {group, zones: Map(id -> {zone, polygon})}.
export async function drawFloor(map, site, floor, { labels = true } = {}) {
	const f = frame(site, floor);
	const group = L.layerGroup();
	const url = await floorImage(floor);
	if (url)
		L.imageOverlay(url, f.bounds, { className: 'floor-image' }).addTo(group);
	else
		L.rectangle(f.bounds, { className: 'floor-outline', interactive: false })
			.addTo(group);
	const zones = new Map();
	for (const z of site.zones ?? []) {
		if (z.floor !== floor.id)
			continue;
		const polygon = L.polygon(z.polygon.map(([x, y]) => f.toLatLng(x, y)), {
			className: `zone zone-${z.kind}${url ? '' : ' filled'}`,
			interactive: false,
		}).addTo(group);
		let count = null;
		if (labels) {
			// Name and head count in the zone's corner: the drawing's own
			// room names sit in the middle.
			const xs = z.polygon.map((p) => p[0]), ys = z.polygon.map((p) => p[1]);
			const down = (site.y_axis ?? 'down') === 'down';
			const el = document.createElement('div');
			el.title = z.name; // whole, when the label shows a shorter form
			const name = document.createElement('span');
			name.className = 'zone-name';
			name.textContent = z.name;
			name.dataset.forms = JSON.stringify(nameForms(z.name));
			count = document.createElement('span');
			count.className = 'zone-count';
			el.append(name, count);
			el.dataset.width = String(Math.max(...xs) - Math.min(...xs));
			L.marker(f.toLatLng(Math.min(...xs), down ? Math.min(...ys) : Math.max(...ys)), {
				icon: L.divIcon({ className: `zone-label zone-label-${z.kind}`, html: el,
					iconSize: null }),
				interactive: false, keyboard: false,
			}).addTo(group);
		}
		zones.set(z.id, { zone: z, polygon, count });
	}
	group.addTo(map);
	// A label no wider than its zone, so neighbours do not run together:
	// the longest form of the name, in whole words, that fits beside the
	// head count (none at all rather than a word cut short). Again at each
	// zoom, and when a count grows a digit (fitLabels). False while the
	// labels are not laid out yet (before the map has its first view).
	const fit = () => {
		const scale = 2 ** map.getZoom(); // pixels a metre
		const labels = [...zones.values()].map((z) => z.count?.parentElement).filter(Boolean);
		if (!labels.length || !labels[0].isConnected || !Number.isFinite(scale))
			return false;
		const measure = textMeasure(labels[0].firstChild);
		const counts = labels.map((el) => el.lastChild.offsetWidth); // one layout for all
		labels.forEach((el, i) => {
			const width = Math.max(24, Number(el.dataset.width) * scale - 6);
			el.style.maxWidth = `${width}px`;
			// The label's padding (8) and the gap before the count (4).
			const text = fittingForm(JSON.parse(el.firstChild.dataset.forms),
				width - 12 - counts[i], measure);
			el.firstChild.textContent = text;
			el.firstChild.hidden = !text;
		});
		return true;
	};
	map.on('zoomend', fit);
	group.on('remove', () => map.off('zoomend', fit));
	return { group, zones, frame: f, hasImage: !!url, fitLabels: fit };
}

// Text widths in an element's font, without a layout per try.
function textMeasure(el) {
	const ctx = document.createElement('canvas').getContext('2d');
	ctx.font = getComputedStyle(el).font;
	return (text) => Math.ceil(ctx.measureText(text).width);
}

export function fitFloor(map, f) {
	map.fitBounds(f.bounds, { padding: [12, 12] });
}
