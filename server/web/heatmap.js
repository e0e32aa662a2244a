// The heatmap: seconds spent per cell, drawn as a translucent picture over
// the floor plan (a canvas turned into a data: image, which the page's
// policy allows).
import * as L from './node_modules/leaflet/dist/leaflet-src.esm.js';
import { drawFloor, fitFloor, frame, newMap } from './floorplan.js';

// Cold to hot: transparent, blue, green, yellow, red.
function colour(v) {
	const stops = [[0, [49, 130, 206, 0]], [0.15, [49, 130, 206, 150]], [0.45, [56, 161, 105, 180]],
		[0.75, [236, 201, 75, 200]], [1, [229, 62, 62, 220]]];
	for (let i = 1; i < stops.length; i++) {
		const [b, cb] = stops[i], [a, ca] = stops[i - 1];
		if (v <= b) {
			const k = (v - a) / (b - a);
			return ca.map((c, j) => Math.round(c + (cb[j] - c) * k));
		}
	}
	return stops.at(-1)[1];
}

function picture(h) {
	const canvas = document.createElement('canvas');
	canvas.width = h.cols;
	canvas.height = h.rows;
	const ctx = canvas.getContext('2d');
	const img = ctx.createImageData(h.cols, h.rows);
	// Square root: a few busy cells should not wash out the rest.
	const max = Math.sqrt(Math.max(...h.seconds, 1e-9));
	h.seconds.forEach((s, i) => {
		const c = colour(Math.sqrt(s) / max);
		img.data.set(c, i * 4);
	});
	ctx.putImageData(img, 0, 0);
	return canvas.toDataURL('image/png');
}

export class Heatmap {
	constructor(el, site) {
		this.el = el;
		this.site = site;
		this.map = newMap(el, { scrollWheelZoom: false });
		this.floor = null;
		this.layers = [];
	}

	// Take the heat off (a failed query must not leave an old window's).
	clear() {
		this.layers.forEach((l) => l.remove());
		this.layers = [];
		this.el.dataset.cells = '0';
	}

	async show(floor, h) {
		const f = this.site.floors.find((x) => x.id === floor);
		const fr = frame(this.site, f);
		this.layers.forEach((l) => l.remove());
		const drawn = await drawFloor(this.map, this.site, f, { labels: false });
		// Row 0 is at y0; the cells run along the site's own axes.
		const down = (this.site.y_axis ?? 'down') === 'down';
		const x1 = h.x0 + h.cols * h.cell_m, y1 = h.y0 + h.rows * h.cell_m;
		const bounds = L.latLngBounds(fr.toLatLng(h.x0, h.y0), fr.toLatLng(x1, y1));
		let url = picture(h);
		if (!down)
			url = await flipped(url, h);
		const overlay = L.imageOverlay(url, bounds, { className: 'heat-layer' }).addTo(this.map);
		this.layers = [drawn.group, overlay];
		this.el.dataset.cells = String(h.seconds.filter((s) => s > 0).length);
		if (floor !== this.floor) {
			this.map.invalidateSize();
			fitFloor(this.map, fr);
		}
		this.floor = floor;
	}
}

// With y up, row 0 belongs at the bottom of the picture.
async function flipped(url, h) {
	const img = new Image();
	img.src = url;
	await img.decode();
	const c = document.createElement('canvas');
	c.width = h.cols;
	c.height = h.rows;
	const ctx = c.getContext('2d');
	ctx.translate(0, h.rows);
	ctx.scale(1, -1);
	ctx.drawImage(img, 0, 0);
	return c.toDataURL('image/png');
}
