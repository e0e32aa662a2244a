// trackd's placeholder page: the tags on one floor and the latest events,
// live over track-live.v1. No framework; everything is built with the DOM.
'use strict';

(() => {
	const STALE_S = 10;
	const MAX_EVENTS = 20;
	const BACKOFF_MIN_MS = 1000;
	const BACKOFF_MAX_MS = 30000;

	const $ = (id) => document.getElementById(id);
	const ui = {
		site: $('site'), floor: $('floor'), conn: $('conn'), count: $('count'),
		rows: $('tags').tBodies[0], empty: $('empty'), events: $('events'),
	};

	const rows = new Map(); // tag id -> {tag, tr}
	const names = new Map(); // tag id -> name, from the site
	let floor = null;
	let ws = null;
	let backoff = BACKOFF_MIN_MS;
	let retry = null;

	const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

	function setConn(state, text) {
		ui.conn.className = 'conn ' + state;
		ui.conn.textContent = text;
	}

	// The next wait, with jitter so that many pages do not come back at once.
	function nextDelay() {
		const d = backoff * (0.75 + Math.random() * 0.5);
		backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
		return d;
	}

	function cell(tr, text, cls) {
		const td = document.createElement('td');
		if (cls)
			td.className = cls;
		td.textContent = text;
		tr.appendChild(td);
		return td;
	}

	const fixed = (v) => (typeof v === 'number' ? v.toFixed(1) : '');

	function ageOf(tag) {
		return Math.max(0, Date.now() / 1000 - tag.t);
	}

	function render(entry) {
		const { tag, tr } = entry;
		const c = tr.cells;
		c[1].textContent = tag.name ?? names.get(tag.id) ?? '';
		c[2].textContent = tag.kind ?? '';
		c[3].textContent = tag.zone ?? '';
		c[4].textContent = fixed(tag.x);
		c[5].textContent = fixed(tag.y);
		c[6].textContent = fixed(tag.r);
		tr.classList.toggle('moving', !!tag.moving);
		renderAge(entry);
	}

	function renderAge({ tag, tr }) {
		const age = ageOf(tag);
		tr.cells[7].textContent = age.toFixed(0);
		tr.classList.toggle('stale', age > STALE_S);
	}

	function upsert(tag) {
		let entry = rows.get(tag.id);
		if (!entry) {
			const tr = document.createElement('tr');
			cell(tr, tag.id);
			for (let i = 0; i < 3; i++)
				cell(tr, '');
			for (let i = 0; i < 4; i++)
				cell(tr, '', 'num');
			// Keep the rows in order of id.
			let before = null;
			for (const [id, e] of rows)
				if (id > tag.id && (!before || id < before.id))
					before = { id, tr: e.tr };
			ui.rows.insertBefore(tr, before ? before.tr : null);
			entry = { tag, tr };
			rows.set(tag.id, entry);
		}
		entry.tag = tag;
		render(entry);
	}

	function clearTags() {
		rows.clear();
		ui.rows.replaceChildren();
	}

	function updateCount() {
		ui.count.textContent = rows.size ? `(${rows.size})` : '';
		ui.empty.hidden = rows.size > 0;
	}

	function addEvent(ev) {
		const li = document.createElement('li');
		const time = document.createElement('time');
		const when = new Date(ev.t * 1000);
		time.dateTime = when.toISOString();
		time.textContent = when.toLocaleTimeString();
		li.appendChild(time);
		const who = names.get(ev.tag) ? `${ev.tag} (${names.get(ev.tag)})` : ev.tag;
		let text = `${ev.type.replace(/_/g, ' ')}: ${who}`;
		if (ev.zone)
			text += ` in ${ev.zone}`;
		if (ev.floor)
			text += ` on ${ev.floor}`;
		li.appendChild(document.createTextNode(text));
		li.className = ev.type;
		ui.events.prepend(li);
		while (ui.events.children.length > MAX_EVENTS)
			ui.events.lastElementChild.remove();
	}

	function subscribe() {
		if (ws && ws.readyState === WebSocket.OPEN && floor)
			ws.send(JSON.stringify({ subscribe: { floor } }));
	}

	function onMessage(ev) {
		let m;
		try {
			m = JSON.parse(ev.data);
		} catch {
			return;
		}
		switch (m.type) {
		case 'snapshot':
			backoff = BACKOFF_MIN_MS; // a working connection
			clearTags();
			m.tags.forEach(upsert);
			break;
		case 'positions':
			m.tags.forEach(upsert);
			break;
		case 'event':
			addEvent(m.event);
			break;
		case 'error':
			console.warn('trackd:', m.error);
			break;
		}
		updateCount();
	}

	function connect() {
		clearTimeout(retry);
		const url = new URL('./', location.href);
		url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
		setConn('connecting', 'connecting…');
		ws = new WebSocket(url, 'track-live.v1');
		ws.onopen = () => {
			setConn('up', 'live');
			subscribe();
		};
		ws.onmessage = onMessage;
		ws.onclose = () => {
			ws = null;
			const d = nextDelay();
			setConn('down', `offline, retrying in ${Math.round(d / 1000)} s`);
			retry = setTimeout(connect, d);
		};
	}

	async function loadSite() {
		for (;;) {
			try {
				const res = await fetch('api/v1/site');
				if (!res.ok)
					throw new Error(`HTTP ${res.status}`);
				return await res.json();
			} catch (e) {
				const d = nextDelay();
				setConn('down', `no site (${e.message}), retrying in ` +
					`${Math.round(d / 1000)} s`);
				await sleep(d);
			}
		}
	}

	function chooseFloor(id) {
		if (id === floor)
			return;
		floor = id;
		ui.floor.value = id;
		history.replaceState(null, '', '#' + encodeURIComponent(id));
		clearTags();
		updateCount();
		subscribe();
	}

	async function main() {
		const site = await loadSite();
		backoff = BACKOFF_MIN_MS;
		ui.site.textContent = site.name || site.site || '';
		document.title = `trackd — ${site.name || site.site || 'live'}`;
		for (const t of site.tags || [])
			names.set(t.id, t.name);
		for (const f of site.floors) {
			const o = document.createElement('option');
			o.value = f.id;
			o.textContent = f.name ? `${f.name} (${f.id})` : f.id;
			ui.floor.appendChild(o);
		}
		ui.floor.disabled = false;
		ui.floor.onchange = () => chooseFloor(ui.floor.value);
		const wanted = decodeURIComponent(location.hash.slice(1));
		chooseFloor(site.floors.some((f) => f.id === wanted) ? wanted
			: site.floors[0]?.id ?? null);
		setInterval(() => rows.forEach(renderAge), 1000);
		connect();
	}

	updateCount();
	main();
})();
