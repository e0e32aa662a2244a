// Replay of a tag's stored track over a window (for example the ten
// minutes before an alarm) on the map, at an adjustable speed.
import * as L from './node_modules/leaflet/dist/leaflet-src.esm.js';
import { enc, getJson } from './api.js';
import { fromLocalInput, nowS, toLocalInput } from './time.js';

const $ = (id) => document.getElementById(id);

export class Playback {
	constructor({ map, frameOf, showFloor, onClose }) {
		this.map = map;
		this.frameOf = frameOf;     // floor id -> frame
		this.showFloor = showFloor; // switch the map to a floor
		this.onClose = onClose;
		this.layer = L.layerGroup();
		this.points = [];
		this.playing = false;
		this.t = 0;
		this.ui = {
			panel: $('playback'), who: $('pb-who'), form: $('pb-form'), play: $('pb-play'),
			speed: $('pb-speed'), seek: $('pb-seek'), time: $('pb-time'), msg: $('pb-msg'),
		};
		this.ui.form.onsubmit = (ev) => {
			ev.preventDefault();
			const f = this.ui.form.elements;
			this.load(this.tag, fromLocalInput(f.from.value), fromLocalInput(f.to.value));
		};
		this.ui.play.onclick = () => this.setPlaying(!this.playing);
		this.ui.seek.oninput = () => {
			this.t = this.from + (this.to - this.from) * this.ui.seek.value / 1000;
			this.draw();
		};
		$('pb-close').onclick = () => this.close();
		this.step = this.step.bind(this);
	}

	get active() {
		return !this.ui.panel.hidden;
	}

	async open(tag, from, to) {
		this.tag = tag;
		this.ui.panel.hidden = false;
		this.ui.who.textContent = tag.name ? `${tag.name} (${tag.id})` : tag.id;
		const f = this.ui.form.elements;
		f.from.value = toLocalInput(from);
		f.to.value = toLocalInput(to);
		document.body.classList.add('replaying');
		await this.load(tag, from, to);
		this.ui.play.focus();
	}

	async load(tag, from, to) {
		this.setPlaying(false);
		this.layer.clearLayers();
		this.points = [];
		this.ui.msg.textContent = 'loading…';
		try {
			const h = await getJson(`api/v1/tags/${enc(tag.id)}/history` +
				`?from=${from.toFixed(3)}&to=${to.toFixed(3)}`);
			this.points = h.positions.filter((p) => p.x !== null && p.floor);
			this.ui.msg.textContent = this.points.length
				? `${this.points.length} positions${h.truncated ? ' (cut short)' : ''}`
				: 'No positions stored in this window.';
		} catch (e) {
			this.ui.msg.textContent = e.status === 503
				? 'This server keeps no history (it runs without a database).'
				: e.status === 403 ? 'Your role may not see stored tracks.'
					: `Cannot load the history: ${e.message}`;
		}
		this.from = from;
		this.to = to;
		this.t = this.points.length ? this.points[0].t : from;
		this.floor = null;
		this.layer.addTo(this.map);
		this.draw();
		if (this.points.length)
			this.setPlaying(true);
	}

	// The stored position at time t (the last one at or before it).
	at(t) {
		let lo = 0, hi = this.points.length - 1;
		if (hi < 0 || t < this.points[0].t)
			return this.points[0];
		while (lo < hi) {
			const mid = (lo + hi + 1) >> 1;
			if (this.points[mid].t <= t)
				lo = mid;
			else
				hi = mid - 1;
		}
		return this.points[lo];
	}

	draw() {
		this.ui.seek.value = Math.round(1000 * (this.t - this.from) / (this.to - this.from));
		this.ui.time.textContent = new Date(this.t * 1000).toLocaleString();
		const p = this.at(this.t);
		if (!p)
			return;
		if (p.floor !== this.floor) {
			this.floor = p.floor;
			this.showFloor(p.floor);
			const f = this.frameOf(p.floor);
			this.layer.clearLayers();
			this.path = L.polyline(this.points.filter((q) => q.floor === p.floor)
				.map((q) => f.toLatLng(q.x, q.y)), { className: 'replay-path', interactive: false })
				.addTo(this.layer);
			this.circle = L.circle([0, 0], { radius: 1, className: 'replay-sigma',
				interactive: false }).addTo(this.layer);
			this.marker = L.circleMarker([0, 0], { radius: 9, className: 'replay-marker' })
				.addTo(this.layer);
		}
		const ll = this.frameOf(p.floor).toLatLng(p.x, p.y);
		this.marker.setLatLng(ll);
		this.circle.setLatLng(ll).setRadius(p.r ?? 1);
		if (!this.map.getBounds().pad(-0.1).contains(ll))
			this.map.panTo(ll);
	}

	setPlaying(on) {
		this.playing = on && this.points.length > 0;
		this.ui.play.textContent = this.playing ? 'Pause' : 'Play';
		if (this.playing) {
			if (this.t >= this.to)
				this.t = this.from;
			this.last = performance.now();
			requestAnimationFrame(this.step);
		}
	}

	step(now) {
		if (!this.playing)
			return;
		this.t = Math.min(this.to, this.t + (now - this.last) / 1000 * Number(this.ui.speed.value));
		this.last = now;
		this.draw();
		if (this.t >= this.to)
			this.setPlaying(false);
		else
			requestAnimationFrame(this.step);
	}

	close() {
		this.setPlaying(false);
		this.layer.remove();
		this.ui.panel.hidden = true;
		document.body.classList.remove('replaying');
		this.onClose();
	}
}

export const lastMinutes = (min, end = nowS()) => [end - min * 60, end];
