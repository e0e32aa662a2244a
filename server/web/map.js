// Tags on the live map: a marker per tag (shape by kind, colour by
// category, its name), the 1-σ circle, grey with its age when stale, a
// short trail for the selected tag, and smooth movement between updates.
// Names are placed by priority so that none covers another (labels.js);
// every marker can be reached with Tab and taken with Enter.
import * as L from './node_modules/leaflet/dist/leaflet-src.esm.js';
import { placeLabels } from './labels.js';

export const STALE_S = 10;
const ANIM_MS = 900;      // a little under the server's one-second tick
const JUMP_M = 15;        // further than this is a jump, not a walk
const TRAIL_POINTS = 60;  // about a minute at one update a second
const ASSET_NAMES_ZOOM = 5; // equipment names from here in: a whole floor of them is noise
// Which names win where they would overlap: a person in distress, the
// selected tag, people, then equipment; a fresh fix before a stale one.
const RANK = { alarm: 0, selected: 1, person: 2, asset: 4 };

export function shortName(tag) {
	const name = tag.name || tag.id;
	// "Frank Hughes (ICU, bed 3)" and "Helen Marsh, charge nurse": the name.
	return tag.kind === 'person' ? name.split(',')[0].replace(/\s*\([^)]*$/, '') : name;
}

// Where a tag is, in words: the zone its drawn dot is in, or "between A
// and B" while its 1-sigma disc reaches over a wall into B ("near B" from
// outside every zone); none when in no zone. zone (after enter/exit
// hysteresis) lags the dot, so it is used only from an older server that
// sends no zone_here.
export function zoneText(tag, zoneName, none = '') {
	const here = 'zone_here' in tag ? tag.zone_here : tag.zone;
	if (tag.zone_near)
		return here ? `between ${zoneName(here)} and ${zoneName(tag.zone_near)}`
			: `near ${zoneName(tag.zone_near)}`;
	return here ? zoneName(here) : none;
}

export function ageText(s) {
	if (s < 60)
		return `${Math.max(0, Math.round(s))} s`;
	if (s < 3600)
		return `${Math.round(s / 60)} min`;
	if (s < 86400 * 2)
		return `${Math.round(s / 3600)} h`;
	return `${Math.round(s / 86400)} days`;
}

// How long since trackd last took a report of the tag: its age by trackd's
// clock when it was sent, plus the time since it came in (stamped by the
// live stream), so neither a scanner's clock nor this browser's can make a
// badge that stopped updating look fresh. Without an age (an old server),
// by the fix's own time.
export function ageOf(tag) {
	const now = Date.now() / 1000;
	if (typeof tag.age !== 'number')
		return Math.max(0, now - tag.t);
	return tag.age + Math.max(0, now - (tag.receivedAt ?? now));
}

// Stamp a tag object (from the stream or the API) with when it came in.
export function received(tag) {
	if (tag && typeof tag === 'object' && tag.receivedAt === undefined)
		tag.receivedAt = Date.now() / 1000;
	return tag;
}
export const isStale = (tag) => ageOf(tag) > STALE_S;
const cssId = (s) => String(s ?? '').replace(/[^a-zA-Z0-9_-]/g, '-');

export class TagLayer {
	// placeOf(tag): where it is, in words (for the marker's aria-label).
	constructor(map, { onSelect, placeOf = () => '' }) {
		this.map = map;
		this.onSelect = onSelect;
		this.placeOf = placeOf;
		this.relabel = false;
		this.entries = new Map();
		this.moving = new Set();
		this.circles = L.layerGroup().addTo(map);
		this.markers = L.layerGroup().addTo(map);
		this.trail = L.polyline([], { className: 'trail', interactive: false }).addTo(map);
		this.frame = null;
		this.floor = null;
		this.selected = null;
		this.following = false;
		this.alarmed = new Set();
		map.on('dragstart', () => this.setFollow(false));
		// A pan moves every label alike; a zoom or a resize spreads them
		// (placed once the zoom has settled, not while it animates).
		this.zooming = true; // until the map has its first view
		map.whenReady(() => { this.zooming = false; });
		map.on('zoomstart', () => { this.zooming = true; });
		map.on('zoomend', () => { this.zooming = false; this.relabel = true; });
		map.on('resize', () => { this.relabel = true; });
		this.tick = this.tick.bind(this);
		requestAnimationFrame(this.tick);
		setInterval(() => this.refreshAges(), 1000);
	}

	setFloor(floor, frame) {
		this.clear();
		this.floor = floor;
		this.frame = frame;
	}

	clear() {
		this.circles.clearLayers();
		this.markers.clearLayers();
		this.entries.clear();
		this.moving.clear();
		this.trail.setLatLngs([]);
	}

	// A snapshot: these tags, and no others.
	replaceAll(tags) {
		const keep = new Set(tags.map((t) => t.id));
		for (const id of [...this.entries.keys()])
			if (!keep.has(id))
				this.remove(id);
		tags.forEach((t) => this.upsert(t));
	}

	remove(id) {
		const e = this.entries.get(id);
		if (!e)
			return;
		this.markers.removeLayer(e.marker);
		this.circles.removeLayer(e.circle);
		this.entries.delete(id);
		this.moving.delete(e);
		if (this.selected === id)
			this.trail.setLatLngs([]);
	}

	makeEntry(tag, ll) {
		const el = document.createElement('div');
		const dot = document.createElement('span');
		dot.className = 'dot';
		const label = document.createElement('span');
		label.className = 'name';
		const age = document.createElement('span');
		age.className = 'age';
		label.append(document.createTextNode(shortName(tag)), age);
		el.append(dot, label);
		// Leaflet makes it a focusable role=button; Enter (or Space) takes it.
		const marker = L.marker(ll, {
			icon: L.divIcon({ className: 'tag-icon', html: el, iconSize: null }),
			keyboard: true, title: tag.name ? `${tag.name} (${tag.id})` : tag.id,
			riseOnHover: true,
		});
		marker.on('click', () => this.onSelect(tag.id));
		const circle = L.circle(ll, { radius: tag.r, interactive: false,
			className: `sigma kind-${tag.kind}` });
		const e = { tag, marker, circle, el, age, label, cur: ll, from: ll, to: ll, t0: 0,
			r0: tag.r, trail: [ll], side: 'right', size: null, text: '', aria: '' };
		marker.addTo(this.markers);
		circle.addTo(this.circles);
		marker.getElement().addEventListener('keydown', (ev) => {
			if (ev.key === 'Enter' || ev.key === ' ') {
				ev.preventDefault();
				this.onSelect(e.tag.id);
			}
		});
		return e;
	}

	upsert(tag) {
		if (!this.frame || tag.floor !== this.floor) {
			this.remove(tag.id);
			return;
		}
		const ll = this.frame.toLatLng(tag.x, tag.y);
		let e = this.entries.get(tag.id);
		if (!e) {
			e = this.makeEntry(tag, ll);
			this.entries.set(tag.id, e);
		} else {
			const jump = this.map.distance(e.cur, ll) > JUMP_M;
			e.from = jump ? ll : e.cur;
			e.to = ll;
			e.r0 = e.circle.getRadius();
			e.t0 = performance.now();
			this.moving.add(e);
			e.trail.push(ll);
			if (e.trail.length > TRAIL_POINTS)
				e.trail.shift();
		}
		e.tag = tag;
		this.style(e);
		if (this.selected === tag.id) {
			this.trail.setLatLngs(e.trail);
			if (this.following)
				this.map.panTo(ll, { animate: true, duration: ANIM_MS / 1000 });
		}
	}

	style(e) {
		const { tag, el } = e;
		const stale = isStale(tag);
		const cls = `tag kind-${tag.kind} cat-${cssId(tag.category)}` +
			(stale ? ' stale' : '') + (tag.moving ? ' moving' : '') +
			(this.selected === tag.id ? ' selected' : '') +
			(this.alarmed.has(tag.id) ? ' alarm' : '') +
			(e.side === null ? ' label-off' : e.side !== 'right' ? ` label-${e.side}` : '');
		if (cls !== el.className) {
			el.className = cls;
			e.size = null; // a selected or alarmed name is bold, so wider
		}
		el.dataset.tag = tag.id;
		el.dataset.floor = tag.floor;
		const age = stale ? ` · ${ageText(ageOf(tag))} ago` : '';
		if (age !== e.text) {
			e.age.textContent = e.text = age;
			e.size = null; // measured again before the labels are placed
		}
		const aria = (this.alarmed.has(tag.id) ? 'Distress alarm: ' : '') +
			`${tag.name || tag.id}, ${this.placeOf(tag) || 'place unknown'}` +
			(stale ? `, not heard for ${ageText(ageOf(tag))}` : '');
		if (aria !== e.aria)
			e.marker.getElement()?.setAttribute('aria-label', e.aria = aria);
		this.relabel = true;
		e.circle.getElement()?.classList.toggle('stale', stale);
		e.circle.getElement()?.classList.toggle('selected', this.selected === tag.id);
		if (this.alarmed.has(tag.id) || this.selected === tag.id)
			e.marker.setZIndexOffset(1000);
		else
			e.marker.setZIndexOffset(0);
	}

	refreshAges() {
		for (const e of this.entries.values())
			this.style(e);
	}

	tick(now) {
		for (const e of this.moving) {
			const k = Math.min(1, (now - e.t0) / ANIM_MS);
			const s = k * k * (3 - 2 * k); // ease in and out
			e.cur = L.latLng(e.from.lat + (e.to.lat - e.from.lat) * s,
				e.from.lng + (e.to.lng - e.from.lng) * s);
			e.marker.setLatLng(e.cur);
			e.circle.setLatLng(e.cur);
			e.circle.setRadius(e.r0 + (e.tag.r - e.r0) * s);
			if (k >= 1)
				this.moving.delete(e);
			this.relabel = true;
		}
		if (this.relabel && !this.zooming)
			this.placeLabels();
		requestAnimationFrame(this.tick);
	}

	// Each name where it covers no other of a higher priority, or hidden
	// (the marker's title and the side list still give it). Run at most
	// once a frame, and only when something moved or changed.
	placeLabels() {
		this.relabel = false;
		const zoom = this.map.getZoom();
		const items = [];
		for (const e of this.entries.values()) {
			const { tag } = e;
			const rank = this.alarmed.has(tag.id) ? RANK.alarm
				: this.selected === tag.id ? RANK.selected
				: (tag.kind === 'person' ? RANK.person : RANK.asset) + (isStale(tag) ? 1 : 0);
			if (rank >= RANK.asset && zoom < ASSET_NAMES_ZOOM) {
				this.setSide(e, null);
				continue;
			}
			e.size ??= [e.label.offsetWidth, e.label.offsetHeight];
			const p = this.map.latLngToContainerPoint(e.cur);
			items.push({ id: tag.id, x: p.x, y: p.y, w: e.size[0], h: e.size[1], rank,
				was: e.side, e });
		}
		const sides = placeLabels(items);
		for (const it of items)
			this.setSide(it.e, sides.get(it.id));
	}

	setSide(e, side) {
		if (e.side === side)
			return;
		e.el.classList.remove(e.side === null ? 'label-off' : `label-${e.side}`);
		e.side = side;
		if (side !== 'right')
			e.el.classList.add(side === null ? 'label-off' : `label-${side}`);
	}

	select(id) {
		const old = this.entries.get(this.selected);
		this.selected = id;
		if (old)
			this.style(old);
		const e = this.entries.get(id);
		this.trail.setLatLngs(e ? e.trail : []);
		if (e)
			this.style(e);
		if (!id)
			this.setFollow(false);
	}

	setFollow(on) {
		this.following = on;
		const e = this.entries.get(this.selected);
		if (on && e)
			this.map.panTo(e.to);
		this.map.fire('follow', { on });
	}

	centreOn(id, zoom) {
		const e = this.entries.get(id);
		if (e)
			this.map.setView(e.to, Math.max(this.map.getZoom(), zoom ?? 3));
		return !!e;
	}

	setAlarmed(ids) {
		this.alarmed = new Set(ids);
		this.refreshAges();
	}

	// Head counts per zone from the tags held (stale ones not counted).
	zoneCounts() {
		const counts = new Map();
		for (const { tag } of this.entries.values())
			if (tag.zone && !isStale(tag))
				counts.set(tag.zone, (counts.get(tag.zone) ?? 0) + 1);
		return counts;
	}

	get(id) {
		return this.entries.get(id)?.tag;
	}

	tags() {
		return [...this.entries.values()].map((e) => e.tag);
	}
}
