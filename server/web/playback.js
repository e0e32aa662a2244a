// Replay of stored tracks over a window on the map, at an adjustable speed:
// one tag's (for example the ten minutes before an alarm), with the rooms
// it went through and its path simplified; or every tag of a floor at
// once (an incident's review), each marker named as on the live map.
import * as L from './node_modules/leaflet/dist/leaflet-src.esm.js';
import { enc, getJson } from './api.js';
import { placeLabels } from './labels.js';
import { shortName } from './map.js';
import { simplifyPath } from './simplify.js';
import { fromLocalInput, nowS, toLocalInput } from './time.js';

const $ = (id) => document.getElementById(id);

// trackd keeps a still tag's position every 30 s: a tag without a row for
// longer has left the floor (or was lost), and its marker goes.
const GONE_S = 45;
// A zone left and entered again within this is one stay (the edge of a
// room flickers between two fixes).
const SAME_STAY_S = 5;

const cssId = (s) => (s || '').replace(/[^a-zA-Z0-9_-]/g, '-');

// The stored position of pts at time t (the last one at or before it),
// the first one before the track starts.
function at(pts, t) {
	let lo = 0, hi = pts.length - 1;
	if (hi < 0 || t < pts[0].t)
		return pts[0];
	while (lo < hi) {
		const mid = (lo + hi + 1) >> 1;
		if (pts[mid].t <= t)
			lo = mid;
		else
			hi = mid - 1;
	}
	return pts[lo];
}

const clock = (t) => new Date(t * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

function stayText(s) {
	return s < 90 ? `${Math.round(s)} s` : `${Math.round(s / 60)} min`;
}

// The rooms of one tag's window, in order, from its zone events: [{t,
// zone, until}] (until: when it left, undefined while still there at the
// window's end). startZone: where its first position was, for a stay that
// began before the window.
export function roomTimeline(events, startZone, startT) {
	const stays = [];
	if (startZone)
		stays.push({ t: startT, zone: startZone });
	for (const e of [...events].sort((a, b) => a.t - b.t)) {
		const last = stays[stays.length - 1];
		if ((e.type === 'zone_enter' || e.type === 'restricted_entry') && e.zone) {
			if (last && last.zone === e.zone && (last.until === undefined ||
				e.t - last.until <= SAME_STAY_S)) {
				last.until = undefined;
				continue;
			}
			stays.push({ t: e.t, zone: e.zone });
		} else if (e.type === 'zone_exit' && last && last.zone === e.zone && last.until === undefined) {
			last.until = e.t;
		}
	}
	return stays;
}

export class Playback {
	constructor({ map, site, frameOf, showFloor, onClose }) {
		this.map = map;
		this.site = site;
		this.frameOf = frameOf;     // floor id -> frame
		this.showFloor = showFloor; // switch the map to a floor
		this.onClose = onClose;
		this.layer = L.layerGroup();
		this.points = [];
		this.tracks = [];           // floor mode: [{tag, points, marker, el, shown, side}]
		this.playing = false;
		this.t = 0;
		this.ui = {
			panel: $('playback'), who: $('pb-who'), form: $('pb-form'), play: $('pb-play'),
			speed: $('pb-speed'), seek: $('pb-seek'), time: $('pb-time'), msg: $('pb-msg'),
			rooms: $('pb-rooms'), roomsMsg: $('pb-rooms-msg'),
		};
		this.ui.form.onsubmit = (ev) => {
			ev.preventDefault();
			const f = this.ui.form.elements;
			this.load(fromLocalInput(f.from.value), fromLocalInput(f.to.value));
		};
		this.ui.play.onclick = () => this.setPlaying(!this.playing);
		this.ui.seek.oninput = () => this.seek(this.from + (this.to - this.from) * this.ui.seek.value / 1000);
		$('pb-close').onclick = () => this.close();
		this.step = this.step.bind(this);
		this.map.on('zoomend', () => this.mode === 'floor' && this.placeNames());
	}

	get active() {
		return !this.ui.panel.hidden;
	}

	// One tag's track, with its rooms.
	async open(tag, from, to) {
		this.mode = 'tag';
		this.tag = tag;
		this.ui.who.textContent = tag.name ? `${tag.name} (${tag.id})` : tag.id;
		await this.start(from, to);
	}

	// Every tag on floor (an id) at once.
	async openFloor(floor, from, to) {
		this.mode = 'floor';
		this.floorId = floor;
		const f = this.site.floors.find((x) => x.id === floor);
		this.ui.who.textContent = `Everyone on ${f?.name || floor}`;
		await this.start(from, to);
	}

	async start(from, to) {
		this.ui.panel.hidden = false;
		this.ui.panel.dataset.mode = this.mode;
		const f = this.ui.form.elements;
		f.from.value = toLocalInput(from);
		f.to.value = toLocalInput(to);
		document.body.classList.add('replaying');
		document.body.classList.toggle('replaying-floor', this.mode === 'floor');
		await this.load(from, to);
		this.ui.play.focus();
	}

	failure(e, what) {
		return e.status === 503 ? 'This server keeps no history (it runs without a database).'
			: e.status === 403 ? 'Your role may not see stored tracks.'
				: `Cannot load ${what}: ${e.message}`;
	}

	async load(from, to) {
		this.setPlaying(false);
		this.layer.clearLayers();
		this.points = [];
		this.tracks = [];
		this.floor = null;
		this.ui.rooms.replaceChildren();
		this.ui.roomsMsg.textContent = '';
		this.ui.rooms.hidden = this.ui.roomsMsg.hidden = this.mode !== 'tag';
		this.ui.msg.textContent = 'loading…';
		this.from = from;
		this.to = to;
		if (this.mode === 'floor')
			await this.loadFloor(from, to);
		else
			await this.loadTag(from, to);
		this.layer.addTo(this.map);
		this.draw();
		if (this.points.length || this.tracks.length)
			this.setPlaying(true);
	}

	async loadTag(from, to) {
		const q = `from=${from.toFixed(3)}&to=${to.toFixed(3)}`;
		const events = getJson(`api/v1/events?tag=${enc(this.tag.id)}&${q}`);
		events.catch(() => {}); // read below, after the track
		try {
			const h = await getJson(`api/v1/tags/${enc(this.tag.id)}/history?${q}`);
			this.points = h.positions.filter((p) => p.x !== null && p.floor);
			this.ui.msg.textContent = this.points.length
				? `${this.points.length} positions${h.truncated ? ' (cut short)' : ''}`
				: 'No positions stored in this window.';
		} catch (e) {
			this.ui.msg.textContent = this.failure(e, 'the history');
		}
		this.t = this.points.length ? this.points[0].t : from;
		try {
			const first = this.points[0];
			this.showRooms(roomTimeline((await events).events, first?.zone, first?.t ?? from));
		} catch (e) {
			this.ui.roomsMsg.textContent = e.status === 403
				? 'Your role may not see the rooms visited.' : this.failure(e, 'the rooms');
		}
	}

	zoneName(id) {
		return this.site.zones?.find((z) => z.id === id)?.name ?? id;
	}

	// "14:02 ICU (3 min) → 14:05 Main corridor → ...": each a button that
	// takes the replay there.
	showRooms(stays) {
		this.ui.rooms.replaceChildren(...stays.map((s) => {
			const li = document.createElement('li');
			const b = document.createElement('button');
			b.type = 'button';
			b.dataset.zone = s.zone;
			b.dataset.t = String(s.t);
			const time = document.createElement('time');
			time.dateTime = new Date(s.t * 1000).toISOString();
			time.textContent = clock(s.t);
			const name = document.createElement('span');
			name.className = 'room';
			name.textContent = this.zoneName(s.zone);
			b.append(time, ' ', name);
			if (s.until !== undefined) {
				const d = document.createElement('small');
				d.textContent = ` ${stayText(s.until - s.t)}`;
				b.append(d);
			}
			b.title = `${this.zoneName(s.zone)} from ${new Date(s.t * 1000).toLocaleTimeString()}` +
				(s.until !== undefined ? ` to ${new Date(s.until * 1000).toLocaleTimeString()}` : '');
			b.onclick = () => this.seek(Math.max(this.from, s.t));
			li.append(b);
			return li;
		}));
		this.ui.roomsMsg.textContent = stays.length ? '' : 'No room entered in this window.';
	}

	async loadFloor(from, to) {
		const tags = new Map((this.site.tags ?? []).map((t) => [t.id, t]));
		const byTag = new Map();
		let rows = 0, cut = false, people = false, failed = false;
		try {
			const h = await getJson(`api/v1/history?floor=${enc(this.floorId)}` +
				`&from=${from.toFixed(3)}&to=${to.toFixed(3)}`);
			for (const p of h.positions) {
				if (p.x === null)
					continue;
				if (!byTag.has(p.tag))
					byTag.set(p.tag, []);
				byTag.get(p.tag).push(p);
				rows++;
			}
			cut = h.truncated;
			people = h.people;
		} catch (e) {
			this.ui.msg.textContent = this.failure(e, 'the floor\'s history');
			failed = true;
		}
		this.showFloor(this.floorId);
		const frame = this.frameOf(this.floorId);
		for (const [id, points] of byTag) {
			const tag = tags.get(id) ?? { id, kind: people ? 'person' : 'asset' };
			const el = document.createElement('div');
			el.className = `tag replay-tag kind-${tag.kind} cat-${cssId(tag.category)}`;
			el.dataset.tag = id;
			const dot = document.createElement('span');
			dot.className = 'dot';
			const name = document.createElement('span');
			name.className = 'name';
			name.textContent = shortName(tag);
			el.append(dot, name);
			const marker = L.marker(frame.toLatLng(points[0].x, points[0].y), {
				icon: L.divIcon({ className: 'tag-icon', html: el, iconSize: null }),
				keyboard: false, interactive: false,
				title: tag.name ? `${tag.name} (${id})` : id,
			});
			this.tracks.push({ tag, points, marker, el, shown: false, side: 'right', size: null });
		}
		this.tracks.sort((a, b) => (a.tag.kind === b.tag.kind ? 0 : a.tag.kind === 'person' ? -1 : 1));
		this.t = rows ? Math.min(...this.tracks.map((k) => k.points[0].t)) : from;
		if (!failed)
			this.ui.msg.textContent = rows
				? `${this.tracks.length} tags, ${rows} positions${cut ? ' (cut short)' : ''}` +
				  (people ? '' : ' (equipment only: your role may not see people)')
				: 'No positions stored on this floor in this window.';
	}

	seek(t) {
		this.t = Math.min(this.to, Math.max(this.from, t));
		this.draw();
	}

	draw() {
		this.ui.seek.value = Math.round(1000 * (this.t - this.from) / (this.to - this.from));
		this.ui.time.textContent = new Date(this.t * 1000).toLocaleString();
		if (this.mode === 'floor')
			this.drawFloor();
		else
			this.drawTag();
		this.markRoom();
	}

	drawTag() {
		const p = at(this.points, this.t);
		if (!p)
			return;
		if (p.floor !== this.floor) {
			this.floor = p.floor;
			this.showFloor(p.floor);
			const f = this.frameOf(p.floor);
			this.layer.clearLayers();
			const raw = this.points.filter((q) => q.floor === p.floor);
			const path = simplifyPath(raw);
			this.ui.panel.dataset.rawPoints = String(raw.length);
			this.ui.panel.dataset.pathPoints = String(path.length);
			this.path = L.polyline(path.map((q) => f.toLatLng(q.x, q.y)),
				{ className: 'replay-path', interactive: false }).addTo(this.layer);
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

	// Each tag where it was at t; those not yet on the floor, or gone from
	// it, are not drawn.
	drawFloor() {
		const frame = this.frameOf(this.floorId);
		let shown = 0;
		for (const k of this.tracks) {
			const p = at(k.points, this.t);
			const here = this.t >= k.points[0].t && this.t - p.t <= GONE_S;
			if (here !== k.shown) {
				k.shown = here;
				if (here)
					k.marker.addTo(this.layer);
				else
					k.marker.remove();
			}
			if (here) {
				k.marker.setLatLng(frame.toLatLng(p.x, p.y));
				shown++;
			}
		}
		this.ui.panel.dataset.shown = String(shown);
		this.placeNames();
	}

	// Names as on the live map: people before equipment, none over another.
	placeNames() {
		const items = [];
		for (const k of this.tracks) {
			if (!k.shown)
				continue;
			const label = k.el.querySelector('.name');
			k.size ??= [label.offsetWidth, label.offsetHeight];
			const pt = this.map.latLngToContainerPoint(k.marker.getLatLng());
			items.push({ id: k.tag.id, x: pt.x, y: pt.y, w: k.size[0], h: k.size[1],
				rank: k.tag.kind === 'person' ? 2 : 4, was: k.side, k });
		}
		const sides = placeLabels(items);
		for (const it of items) {
			const side = sides.get(it.id);
			if (side === it.k.side)
				continue;
			it.k.side = side;
			it.k.el.classList.remove('label-left', 'label-above', 'label-below', 'label-off');
			if (side === null)
				it.k.el.classList.add('label-off');
			else if (side !== 'right')
				it.k.el.classList.add(`label-${side}`);
		}
	}

	// The room the replayed tag is in at t, marked in the list.
	markRoom() {
		let cur = null;
		for (const b of this.ui.rooms.querySelectorAll('button'))
			if (Number(b.dataset.t) <= this.t)
				cur = b;
		for (const b of this.ui.rooms.querySelectorAll('button'))
			b.classList.toggle('current', b === cur);
	}

	setPlaying(on) {
		this.playing = on && (this.points.length > 0 || this.tracks.length > 0);
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
		this.layer.clearLayers();
		this.tracks = [];
		this.ui.panel.hidden = true;
		document.body.classList.remove('replaying', 'replaying-floor');
		this.onClose();
	}
}

export const lastMinutes = (min, end = nowS()) => [end - min * 60, end];
