// The live page: wires the map, the live stream, search, alarms and replay
// together, and shows only what the caller's role may see.
import { enc, getJson, may, takeTokenFromUrl, whoami } from './api.js';
import { showSignIn, signInWithProvider, signOut, signedIn, watchUnauthorized }
	from './signin.js';
import { LiveStream } from './live.js';
import { Failover, handoffHash, takeHandoff } from './failover.js';
import { drawFloor, fitFloor, frame, newMap } from './floorplan.js';
import { TagLayer, ageOf, ageText, isStale, shortName, zoneText } from './map.js';
import { Alarms } from './alarms.js';
import { setupSearch } from './search.js';
import { Playback, lastMinutes } from './playback.js';

const $ = (id) => document.getElementById(id);
const FOLLOW_POLL_MS = 3000;
const MAX_EVENTS = 15;

let site, me, map, tags, live, alarms, playback, failover;
let floor = null;
let drawn = null;
let drawSeq = 0;
let lastResync = 0;
let snapshotAt = 0; // when the floor's newest snapshot came; 0: awaited
const frames = new Map();

function setConn(state, text) {
	const c = $('conn');
	c.className = `conn ${state}`;
	c.textContent = text;
}

const visible = (t) => (t.kind === 'person' ? may.people(me.role) : may.assets(me.role));
const floorName = (id) => site.floors.find((f) => f.id === id)?.name ?? id;
const zoneName = (id) => site.zones?.find((z) => z.id === id)?.name ?? id;

// ---- floors -----------------------------------------------------------------

function floorButtons() {
	const nav = $('floors');
	for (const f of site.floors) {
		const b = document.createElement('button');
		b.type = 'button';
		b.dataset.floor = f.id;
		b.textContent = f.name || f.id;
		b.title = `${f.name} (${f.id})`;
		b.onclick = () => showFloor(f.id);
		nav.append(b);
	}
}

async function showFloor(id, { fit = true } = {}) {
	if (id === floor || !frames.has(id))
		return;
	floor = id;
	for (const b of $('floors').children)
		b.setAttribute('aria-pressed', String(b.dataset.floor === id));
	history.replaceState(history.state, '', '#' + enc(id));
	tags.setFloor(id, frames.get(id));
	snapshotAt = 0;
	live.subscribe({ floor: id });
	renderTagList();
	const seq = ++drawSeq;
	drawn?.group.remove();
	drawn = null;
	const d = await drawFloor(map, site, site.floors.find((f) => f.id === id));
	if (seq !== drawSeq) {
		d.group.remove();
		return;
	}
	drawn = d;
	$('map').dataset.floor = id;
	$('map').dataset.drawing = d.hasImage ? 'image' : 'zones';
	if (fit)
		fitFloor(map, d.frame);
	renderZoneCounts();
}

function renderZoneCounts() {
	if (!drawn)
		return;
	const counts = tags.zoneCounts();
	let wider = !drawn.fitted;
	for (const [id, z] of drawn.zones) {
		const n = String(counts.get(id) ?? 0);
		wider ||= n.length !== z.count.textContent.length;
		z.count.textContent = n;
		z.count.classList.toggle('over', z.zone.capacity != null && Number(n) > z.zone.capacity);
	}
	// The name beside a count takes the room the count leaves.
	if (wider)
		drawn.fitted = drawn.fitLabels();
}

// ---- the live stream --------------------------------------------------------

function onMessage(m) {
	switch (m.type) {
	case 'snapshot':
		snapshotAt = Date.now();
		tags.replaceAll(m.tags.filter(visible));
		renderTagList();
		break;
	case 'positions':
		m.tags.filter(visible).forEach((t) => tags.upsert(t));
		break;
	case 'alarm':
		onAlarm(m.alarm);
		break;
	case 'event':
		addEvent(m.event);
		break;
	case 'stats':
		checkStats(m);
		break;
	case 'error':
		console.warn('trackd:', m.error);
		break;
	}
}

// The stream does not say when a tag leaves the floor: when the server's
// head count and ours disagree, a fresh snapshot settles it.
function checkStats(m) {
	// Not before the floor's snapshot is in, nor just after it (a count
	// made before it would ask for a second one at once).
	if (m.floor !== floor || Date.now() - lastResync < 5000 ||
	    !snapshotAt || Date.now() - snapshotAt < 1000)
		return;
	const ours = tags.tags().filter((t) => !isStale(t)).length;
	if (ours !== m.tags && may.people(me.role) && may.assets(me.role)) {
		lastResync = Date.now();
		live.subscribe({ floor });
	}
}

function onAlarm(a) {
	if (!may.alarms(me.role))
		return;
	alarms.update(a);
	if (a.position && a.position.floor === floor && a.open)
		tags.upsert(a.position);
	if (a.open && tags.selected === a.tag && tags.following && a.position &&
	    a.position.floor !== floor)
		showFloor(a.position.floor, { fit: false });
}

// Events of one kind in one zone within GROUP_S of the group's first make
// one line ("restricted entry ×3 in Pharmacy: A, B +1, 14:02–14:05"), so
// that a burst reads as one thing and never pushes the rest out of view.
const GROUP_S = 300;
const GROUP_NAMES = 3;

function eventLine(li) {
	const g = li.group;
	const names = g.names.slice(0, GROUP_NAMES).join(', ') +
		(g.names.length > GROUP_NAMES ? ` +${g.names.length - GROUP_NAMES}` : '');
	const time = document.createElement('time');
	const from = new Date(g.first * 1000).toLocaleTimeString();
	const to = new Date(g.last * 1000).toLocaleTimeString();
	time.textContent = to !== from ? `${from}–${to}` : from;
	li.replaceChildren(time, `${g.type.replace(/_/g, ' ')}${g.count > 1 ? ` ×${g.count}` : ''}: ${names}` +
		(g.zone ? ` in ${zoneName(g.zone)}` : ''));
	li.title = g.full.join('; ');
	li.dataset.count = String(g.count);
}

function addEvent(ev) {
	if (ev.type === 'zone_enter' || ev.type === 'zone_exit')
		return; // too many to read; the map shows them
	const info = tags.get(ev.tag) ?? site.tags?.find((t) => t.id === ev.tag);
	const who = info ? shortName(info) : ev.tag;
	const top = $('events').firstElementChild;
	const g = top?.group;
	if (g && g.type === ev.type && g.zone === (ev.zone ?? null) && ev.t - g.first <= GROUP_S) {
		g.count++;
		g.last = Math.max(g.last, ev.t);
		if (!g.names.includes(who)) {
			g.names.push(who);
			g.full.push(info?.name ?? ev.tag);
		}
		eventLine(top);
		return;
	}
	const li = document.createElement('li');
	li.className = ev.type;
	li.group = { type: ev.type, zone: ev.zone ?? null, first: ev.t, last: ev.t, count: 1,
		names: [who], full: [info?.name ?? ev.tag] };
	eventLine(li);
	$('events').prepend(li);
	while ($('events').children.length > MAX_EVENTS)
		$('events').lastElementChild.remove();
	$('events-none').hidden = true;
}

// ---- the selected tag -------------------------------------------------------

function select(id, { follow = false } = {}) {
	tags.select(id);
	if (follow)
		tags.setFollow(true);
	renderInfo();
	renderTagList();
}

function renderInfo() {
	const t = tags.get(tags.selected) ?? (tags.selected && selectedFallback);
	const panel = $('tag-info');
	panel.hidden = !tags.selected;
	if (!tags.selected)
		return;
	$('info-name').textContent = t?.name ?? tags.selected;
	$('info-id').textContent = t ? `${t.id} · ${t.kind}${t.category ? ', ' + t.category : ''}` : tags.selected;
	if (t?.x !== undefined) {
		$('info-where').textContent = `${floorName(t.floor)} floor · ${zoneText(t, zoneName, 'outside any zone')}`;
		$('info-fix').textContent = `fix ${ageText(ageOf(t))} old · within ±${t.r.toFixed(1)} m` +
			(t.moving ? ' · moving' : ' · still');
	} else {
		$('info-where').textContent = 'not on this floor now';
		$('info-fix').textContent = '';
	}
	$('info-follow').setAttribute('aria-pressed', String(tags.following));
	$('info-follow').textContent = tags.following ? 'Following' : 'Follow';
}
let selectedFallback = null;

// Following a tag across floors: the floor stream does not carry it away,
// so ask where it is now and then.
async function pollFollowed() {
	if (!tags.following || !tags.selected || playback.active)
		return;
	try {
		const t = await getJson(`api/v1/tags/${enc(tags.selected)}`);
		selectedFallback = t;
		if (t.floor !== floor) {
			await showFloor(t.floor, { fit: false });
			map.setView(frames.get(t.floor).toLatLng(t.x, t.y), map.getZoom());
		}
	} catch { /* not located: keep the last place */ }
}

async function locate(tag) {
	let t;
	try {
		t = await getJson(`api/v1/tags/${enc(tag.id)}`);
	} catch (e) {
		$('search-status').textContent = e.status === 404
			? `${tag.name || tag.id} has not been located yet.` : e.message;
		return;
	}
	$('search-status').textContent = '';
	selectedFallback = t;
	await showFloor(t.floor, { fit: false });
	map.setView(frames.get(t.floor).toLatLng(t.x, t.y), Math.max(map.getZoom(), 3));
	tags.upsert(t);
	select(t.id, { follow: true });
}

function locateAlarm(a) {
	if (!a)
		return;
	if (a.position)
		locate({ id: a.tag, name: a.name });
	else
		$('search-status').textContent = `${a.name ?? a.tag} has not been located yet.`;
}

function replay(tag, from, to) {
	tags.setFollow(false);
	playback.open(tag, from, to);
}

// Every tag on a floor over a window (an incident's review).
function replayFloor(id, from, to) {
	tags.setFollow(false);
	select(null);
	playback.openFloor(id, from, to);
}

// ---- the side list ----------------------------------------------------------

function renderTagList() {
	const ul = $('tag-list');
	if (ul.contains(document.activeElement))
		return; // not under a keyboard user's feet
	const list = tags.tags().sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'person' ? -1 : 1) ||
		shortName(a).localeCompare(shortName(b)));
	ul.replaceChildren(...list.map((t) => {
		const li = document.createElement('li');
		const b = document.createElement('button');
		b.type = 'button';
		b.className = `tag-row kind-${t.kind} cat-${(t.category || '').replace(/[^a-zA-Z0-9_-]/g, '-')}` +
			(isStale(t) ? ' stale' : '') + (t.id === tags.selected ? ' selected' : '');
		b.dataset.tag = t.id;
		const dot = document.createElement('span');
		dot.className = 'dot';
		// The whole name here (the map's label may be short or hidden):
		// "Helen Marsh · charge nurse (Ward A)".
		const name = document.createElement('span');
		name.className = 'row-name';
		name.textContent = shortName(t);
		const rest = (t.name ?? '').slice(shortName(t).length).replace(/^[\s,]+/, '');
		if (rest) {
			const small = document.createElement('small');
			small.textContent = rest;
			name.append(small);
		}
		b.title = t.name ? `${t.name} (${t.id})` : t.id;
		const where = document.createElement('span');
		where.className = 'row-where' + (t.zone_near && !isStale(t) ? ' between' : '');
		where.textContent = isStale(t) ? `${ageText(ageOf(t))} ago` : zoneText(t, zoneName);
		where.title = where.textContent; // the whole of it, when cut short
		b.append(dot, name, where);
		b.onclick = () => {
			select(t.id);
			tags.centreOn(t.id);
		};
		li.append(b);
		return li;
	}));
	$('count').textContent = `(${list.length})`;
}

// ---- start ------------------------------------------------------------------

function keyboard() {
	document.addEventListener('keydown', (ev) => {
		if (ev.key !== 'Escape' || ev.defaultPrevented)
			return;
		if (document.activeElement === $('q') && !$('results').hidden)
			return;
		if (playback.active)
			playback.close();
		else if (tags.selected)
			select(null);
	});
	$('info-close').onclick = () => select(null);
	$('info-follow').onclick = () => {
		tags.setFollow(!tags.following);
		renderInfo();
	};
	$('floor-replay').onclick = () => replayFloor(floor, ...lastMinutes(10));
	$('alarm-floor-replay').onclick = () => {
		const a = alarms.current();
		const on = a?.position?.floor;
		if (on)
			replayFloor(on, a.pressed - 600, a.open ? Date.now() / 1000 : a.acked);
		else
			$('search-status').textContent = `${a?.name ?? a?.tag ?? 'This person'} has not been located yet.`;
	};
	$('info-replay').onclick = () => {
		const t = tags.get(tags.selected) ?? { id: tags.selected };
		replay(t, ...lastMinutes(10));
	};
	$('sound').onclick = () => {
		const on = $('sound').getAttribute('aria-pressed') !== 'true';
		$('sound').setAttribute('aria-pressed', String(on));
		$('sound').textContent = on ? 'Sound on' : 'Sound off';
		alarms.setSound(on);
	};
}

function showWho() {
	$('who').textContent = me.name ? `${me.name} · ${me.role}` : me.role;
	$('signout').hidden = !signedIn(me);
	$('signout').onclick = signOut;
	$('reports-link').hidden = !may.reports(me.role);
	document.body.dataset.role = me.role;
}

async function main() {
	takeTokenFromUrl();
	// From another instance of a pair that went away (failover.js).
	const handoff = takeHandoff();
	watchUnauthorized();
	try {
		me = await whoami();
		site = await getJson('api/v1/site');
	} catch (e) {
		if (e.status === 401) {
			setConn('down', 'signed out');
			// Handed on with a provider's session: through the provider
			// again, the floor and the alarm kept for the way back.
			const back = location.pathname + handoffHash({ floor: handoff.floor,
				alarm: handoff.alarm });
			if (!handoff.sso || !(await signInWithProvider(back)))
				showSignIn();
		} else {
			setConn('down', `cannot reach the server (${e.message}); reload to retry`);
		}
		return;
	}
	showWho();
	if (!may.people(me.role) && !may.assets(me.role)) {
		// A manager sees aggregated reports, never live people.
		location.replace('reports.html');
		return;
	}
	$('site-name').textContent = site.name || site.site;
	document.title = `${site.name || site.site} — live map`;
	for (const f of site.floors)
		frames.set(f.id, frame(site, f));

	map = newMap('map', { zoomControl: true });
	map.on('follow', renderInfo);
	tags = new TagLayer(map, { onSelect: (id) => select(id),
		placeOf: (t) => zoneText(t, zoneName, 'outside any zone') });
	playback = new Playback({ map, site, frameOf: (id) => frames.get(id),
		showFloor: (id) => showFloor(id, { fit: false }), onClose: () => {} });
	alarms = new Alarms({
		site, onLocate: locateAlarm, canReplay: may.history(me.role),
		onReplay: (a) => a && replay({ id: a.tag, name: a.name }, a.pressed - 600,
			a.open ? Date.now() / 1000 : a.acked),
		onChange: (open) => {
			tags.setAlarmed(open.map((a) => a.tag));
			for (const b of $('floors').children)
				b.classList.toggle('has-alarm', open.some((a) => a.position?.floor === b.dataset.floor));
		},
	});
	alarms.setName(me.name);
	$('alarms-section').hidden = !may.alarms(me.role);
	$('info-replay').hidden = $('alarm-replay').hidden = $('alarm-floor-replay').hidden =
		!may.history(me.role);
	// Equipment's stored tracks are any viewer's; people's only a role's
	// that may see a person's history (the server leaves them out).
	$('floor-replay').hidden = !may.history(me.role);
	keyboard();
	setupSearch({ input: $('q'), list: $('results'), status: $('search-status'),
		filter: visible, onChoose: locate });
	failover = new Failover({ peers: me.peers,
		state: () => ({ floor, alarm: alarms.current()?.open ? alarms.handling : null,
			sso: Boolean(me.session) }),
		onLooking: () => setConn('down', 'this server is gone: looking for another…') });
	live = new LiveStream({ onMessage, onState: (state, text) => {
		setConn(state, text);
		failover.streamState(state);
	} });
	floorButtons();
	const wanted = handoff.floor;
	await showFloor(frames.has(wanted) ? wanted : site.floors[0].id);
	live.connect();
	if (may.alarms(me.role)) {
		alarms.load().then(() => {
			if (handoff.alarm != null)
				alarms.switchTo(handoff.alarm);
		}).catch((e) => console.warn('alarms:', e.message));
	}
	setInterval(() => {
		renderZoneCounts();
		renderInfo();
		renderTagList();
	}, 1000);
	setInterval(pollFollowed, FOLLOW_POLL_MS);
	// The alarm banner and narrow screens change the map's size.
	new ResizeObserver(() => map.invalidateSize()).observe($('map'));
}

main();
