// Distress alarms: a banner that takes over the top of the screen for the
// newest open alarm (who, where, how fresh and how sure the fix is), the
// list of alarms, an optional sound, and acknowledgement. Every client
// hears of an acknowledgement from the server (the alarm comes back with
// open: false), so this one waits for that too.
import { enc, getJson, postJson } from './api.js';
import { ageOf, ageText, received, zoneText } from './map.js';

const $ = (id) => document.getElementById(id);
const NAME_KEY = 'trackd.ackName';
const KEEP_CLOSED = 20;

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
		this.sound = null;
		this.ui = {
			banner: $('alarm-banner'), title: $('alarm-title'), where: $('alarm-where'),
			fix: $('alarm-fix'), more: $('alarm-more'), list: $('alarm-list'),
			ack: $('alarm-ack'), ackMsg: $('alarm-ack-msg'), none: $('alarm-none'),
		};
		this.ui.ack.elements.by.value = localStorage.getItem(NAME_KEY) ?? '';
		this.ui.ack.onsubmit = (ev) => {
			ev.preventDefault();
			this.acknowledge(Number(this.ui.banner.dataset.alarmId));
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
		return this.alarms.get(Number(this.ui.banner.dataset.alarmId));
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
			return;
		}
		const a = open[0];
		if (b.dataset.alarmId !== String(a.id)) {
			b.dataset.alarmId = a.id;
			b.dataset.shown = this.shown.get(a.id);
			this.ui.ackMsg.textContent = '';
		}
		b.hidden = false;
		this.ui.title.textContent = a.name ? `${a.name} (${a.tag})` : a.tag;
		this.ui.where.textContent = this.where(a);
		this.ui.fix.textContent = this.fix(a);
		this.ui.fix.classList.toggle('stale', !a.position ||
			ageOf(a.position) > 10);
		this.ui.more.textContent = open.length > 1 ? `+${open.length - 1} more open` : '';
	}

	renderList() {
		const items = [...this.alarms.values()].sort((a, b) =>
			(b.open - a.open) || (b.pressed - a.pressed));
		const closed = items.filter((a) => !a.open).slice(0, KEEP_CLOSED);
		const list = this.ui.list;
		list.replaceChildren();
		for (const a of [...items.filter((x) => x.open), ...closed]) {
			const li = document.createElement('li');
			li.className = a.open ? 'open' : 'closed';
			li.dataset.alarmId = a.id;
			const head = document.createElement('strong');
			head.textContent = a.name ?? a.tag;
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
			locate.onclick = () => (a.open ? this.onLocate(a) : this.onReplay(a));
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
