// Distress alarms: a banner that takes over the top of the screen for the
// alarm being handled (who, where, how fresh and how sure the fix is), the
// other open ones queued under it with their age, the list of alarms, an
// optional sound, and acknowledgement. Every client hears of an
// acknowledgement from the server (the alarm comes back with open: false),
// so this one waits for that too.
//
// The banner keeps its alarm while the guard works on it: a newer press
// joins the queue (newest first, so it is seen at once) and never takes
// the banner, so Locate, the last ten minutes and Acknowledge act on the
// person on screen until the guard switches. When that alarm closes, here
// or on another screen, the banner takes the open alarm that has waited
// longest: every press is an emergency of the same rank, and the newest
// first would leave an early caller waiting for as long as presses keep
// coming; the queue puts the newest in sight and one click away.
import { enc, getJson, postJson } from './api.js';
import { ageOf, ageText, received, shortName, zoneText } from './map.js';

const $ = (id) => document.getElementById(id);
const NAME_KEY = 'trackd.ackName';
const KEEP_CLOSED = 20;
// After the banner moved on by itself, Acknowledge waits this long: a
// click aimed at the person who was there must not land on the next.
const ACK_HOLD_MS = 1500;
const who = (a) => (a.name ? shortName({ name: a.name, kind: 'person' }) : a.tag);

export class Alarms {
	constructor({ site, onLocate, onReplay, onChange, canReplay = true }) {
		this.canReplay = canReplay;
		this.alarms = new Map();
		this.floors = new Map(site.floors.map((f) => [f.id, f]));
		this.zones = new Map((site.zones ?? []).map((z) => [z.id, z]));
		this.onLocate = onLocate;
		this.onReplay = onReplay;
		this.onChange = onChange;
		this.shown = new Map(); // alarm id -> when this page first showed it
		this.handling = null; // the id of the alarm in the banner
		this.queueKey = '';
		this.sound = null;
		this.ui = {
			banner: $('alarm-banner'), title: $('alarm-title'), where: $('alarm-where'),
			fix: $('alarm-fix'), note: $('alarm-note'), more: $('alarm-more'),
			others: $('alarm-others'), queue: $('alarm-queue'), list: $('alarm-list'),
			ack: $('alarm-ack'), ackMsg: $('alarm-ack-msg'), none: $('alarm-none'),
		};
		this.ui.ackButton = this.ui.ack.querySelector('button[type="submit"]');
		this.ui.ack.elements.by.value = localStorage.getItem(NAME_KEY) ?? '';
		// The form carries the id of the alarm it was drawn for, and acts
		// only if that is still the one on screen.
		this.ui.ack.onsubmit = (ev) => {
			ev.preventDefault();
			const id = Number(this.ui.ack.elements.alarm.value);
			if (id === this.handling)
				this.acknowledge(id);
		};
		$('alarm-locate').onclick = () => this.onLocate(this.current());
		$('alarm-replay').onclick = () => this.onReplay(this.current());
		setInterval(() => this.renderBanner(), 1000);
	}

	async load() {
		const { alarms } = await getJson('api/v1/alarms');
		alarms.forEach((a) => {
			received(a.position);
			this.update(a, false);
		});
		this.render();
	}

	setName(name) {
		if (name && !this.ui.ack.elements.by.value)
			this.ui.ack.elements.by.value = name;
	}

	update(alarm, render = true) {
		this.alarms.set(alarm.id, alarm);
		if (alarm.open && !this.shown.has(alarm.id))
			this.shown.set(alarm.id, Date.now());
		if (render)
			this.render();
	}

	open() {
		return [...this.alarms.values()].filter((a) => a.open)
			.sort((a, b) => b.pressed - a.pressed);
	}

	current() {
		return this.alarms.get(this.handling);
	}

	// The open alarm that has waited longest (see the top of the file).
	next(open) {
		const since = (a) => a.opened ?? a.pressed;
		return open.reduce((a, b) => (since(b) < since(a) ? b : a));
	}

	// The guard takes another alarm: into the banner, and on the map.
	switchTo(id) {
		const a = this.alarms.get(id);
		if (!a?.open)
			return;
		this.handling = id;
		this.ui.note.textContent = '';
		this.renderBanner();
		this.renderList();
		this.onLocate(a);
	}

	where(alarm) {
		const p = alarm.position;
		if (!p)
			return 'not located yet';
		const floor = this.floors.get(p.floor);
		const name = (id) => this.zones.get(id)?.name ?? id;
		return `${floor?.name ?? p.floor} floor · ${zoneText(p, name, 'outside any zone')}`;
	}

	fix(alarm) {
		const now = Date.now() / 1000;
		const p = alarm.position;
		let text = `pressed ${ageText(now - alarm.pressed)} ago`;
		if (p)
			text += ` · fix ${ageText(ageOf(p))} old · within ±${p.r.toFixed(1)} m`;
		return text;
	}

	render() {
		this.renderBanner();
		this.renderList();
		this.onChange(this.open());
		this.beep();
	}

	renderBanner() {
		const open = this.open();
		const b = this.ui.banner;
		document.body.classList.toggle('has-alarm', open.length > 0);
		if (!open.length) {
			b.hidden = true;
			delete b.dataset.alarmId;
			this.handling = null;
			return;
		}
		let a = this.alarms.get(this.handling);
		if (!a?.open) {
			const closed = a;
			a = this.next(open);
			this.handling = a.id;
			this.ui.note.textContent = closed
				? `${who(closed)} was acknowledged by ${closed.acked_by ?? 'someone'}; ` +
				  'this is the alarm that has waited longest.' : '';
			if (closed)
				this.holdAck();
		}
		if (b.dataset.alarmId !== String(a.id)) {
			b.dataset.alarmId = a.id;
			b.dataset.shown = this.shown.get(a.id);
			this.ui.ack.elements.alarm.value = a.id;
			this.ui.ackButton.setAttribute('aria-label', `Acknowledge ${who(a)}`);
			this.ui.ackMsg.textContent = '';
		}
		b.hidden = false;
		this.ui.title.textContent = a.name ? `${a.name} (${a.tag})` : a.tag;
		this.ui.where.textContent = this.where(a);
		this.ui.fix.textContent = this.fix(a);
		this.ui.fix.classList.toggle('stale', !a.position ||
			ageOf(a.position) > 10);
		this.renderQueue(open.filter((x) => x !== a));
	}

	holdAck() {
		this.ui.ackButton.disabled = true;
		clearTimeout(this.ackTimer);
		this.ackTimer = setTimeout(() => { this.ui.ackButton.disabled = false; }, ACK_HOLD_MS);
	}

	// The other open alarms, newest press first: a name, how long ago,
	// and Switch. Rebuilt only when the set changes (the ages every second
	// in place), so a keyboard user's focus stays put.
	renderQueue(others) {
		const q = this.ui.queue;
		this.ui.others.hidden = !others.length;
		this.ui.more.textContent = `${others.length} more:`;
		const key = others.map((a) => a.id).join(',');
		if (key !== this.queueKey) {
			const focused = q.contains(document.activeElement) &&
				document.activeElement.closest('li')?.dataset.alarmId;
			q.replaceChildren(...others.map((a) => this.queueItem(a)));
			this.queueKey = key;
			if (focused)
				q.querySelector(`li[data-alarm-id="${focused}"] button`)?.focus();
		}
		const now = Date.now() / 1000;
		for (const li of q.children) {
			const a = this.alarms.get(Number(li.dataset.alarmId));
			li.querySelector('time').textContent = `${ageText(now - a.pressed)} ago`;
			li.title = `${a.name ?? a.tag}: ${this.where(a)}`;
		}
	}

	queueItem(a) {
		const li = document.createElement('li');
		li.dataset.alarmId = a.id;
		const name = document.createElement('strong');
		name.textContent = who(a);
		const time = document.createElement('time');
		time.dateTime = new Date(a.pressed * 1000).toISOString();
		const sw = document.createElement('button');
		sw.type = 'button';
		sw.textContent = 'Switch';
		sw.setAttribute('aria-label', `Switch to ${who(a)}`);
		sw.onclick = () => {
			this.switchTo(a.id);
			$('alarm-locate').focus(); // the pressed button has left the queue
		};
		li.append(name, ' · ', time, sw);
		return li;
	}

	renderList() {
		const items = [...this.alarms.values()].sort((a, b) =>
			(b.open - a.open) || (b.pressed - a.pressed));
		const closed = items.filter((a) => !a.open).slice(0, KEEP_CLOSED);
		const list = this.ui.list;
		list.replaceChildren();
		for (const a of [...items.filter((x) => x.open), ...closed]) {
			const li = document.createElement('li');
			li.className = (a.open ? 'open' : 'closed') +
				(a.id === this.handling ? ' handling' : '');
			li.dataset.alarmId = a.id;
			const head = document.createElement('strong');
			head.textContent = who(a);
			li.title = a.name ?? a.tag;
			const time = document.createElement('time');
			time.dateTime = new Date(a.pressed * 1000).toISOString();
			time.textContent = new Date(a.pressed * 1000).toLocaleTimeString();
			const info = document.createElement('span');
			info.textContent = a.open ? this.where(a)
				: `acknowledged by ${a.acked_by} at ` +
				  new Date(a.acked * 1000).toLocaleTimeString();
			li.append(time, head, info);
			if (!a.open && !this.canReplay) {
				list.append(li);
				continue;
			}
			const locate = document.createElement('button');
			locate.type = 'button';
			locate.textContent = a.open ? 'Locate' : 'Replay';
			locate.onclick = () => (a.open ? this.switchTo(a.id) : this.onReplay(a));
			li.append(locate);
			list.append(li);
		}
		this.ui.none.hidden = items.length > 0;
	}

	async acknowledge(id) {
		const by = this.ui.ack.elements.by.value.trim();
		if (!by || !id)
			return;
		localStorage.setItem(NAME_KEY, by);
		this.ui.ackMsg.textContent = 'sending…';
		try {
			this.update(await postJson(`api/v1/alarms/${enc(id)}/ack`, { by }));
			this.ui.ackMsg.textContent = '';
		} catch (e) {
			if (e.status === 409) { // someone else was first
				await this.load();
				return;
			}
			this.ui.ackMsg.textContent = e.status === 403
				? 'Your role may not acknowledge alarms.' : `Not acknowledged: ${e.message}`;
		}
	}

	// Sound is off until asked for (a browser also needs a click first).
	setSound(on) {
		if (on && !this.sound)
			this.sound = { ctx: new AudioContext(), last: 0 };
		if (this.sound)
			this.sound.on = on;
		this.beep();
	}

	beep() {
		const s = this.sound;
		if (!s?.on || !this.open().length || performance.now() - s.last < 2000)
			return;
		s.last = performance.now();
		const osc = s.ctx.createOscillator(), gain = s.ctx.createGain();
		osc.frequency.value = 880;
		gain.gain.setValueAtTime(0.2, s.ctx.currentTime);
		gain.gain.exponentialRampToValueAtTime(0.001, s.ctx.currentTime + 0.6);
		osc.connect(gain).connect(s.ctx.destination);
		osc.start();
		osc.stop(s.ctx.currentTime + 0.6);
		setTimeout(() => this.beep(), 2100);
	}
}
