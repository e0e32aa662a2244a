// A pair of trackd (trackd --peer): when this page's trackd goes away, the
// page moves to another instance by itself. While the live stream is
// down it asks each peer's /healthz (a no-cors request: the answer cannot
// be read, only that one came) and goes to the first that answers,
// carrying the floor, the alarm in hand and the tab's token in the
// address's fragment, which a browser never sends to a server. The other
// instance has the same positions (both take every report) and the same
// alarms (one database). trackd's Content-Security-Policy lists the
// peers' origins so that the page may ask them (headers.c).
import { getToken, setToken } from './api.js';

// Down this long (two reconnects missed) before looking elsewhere: a
// restart of this trackd within it is ridden out in place.
const DOWN_BEFORE_MS = 2000;
const PROBE_EVERY_MS = 1000;
const PROBE_TIMEOUT_MS = 1500;

// The page's own address, to leave out of a list that names every
// instance (one config file for the pair).
const here = () => new URL('./', document.baseURI).href;

async function answers(peer) {
	const ctl = new AbortController();
	const timer = setTimeout(() => ctl.abort(), PROBE_TIMEOUT_MS);
	try {
		await fetch(new URL('healthz', peer), {
			mode: 'no-cors', cache: 'no-store', credentials: 'omit',
			signal: ctl.signal,
		});
		return true;
	} catch {
		return false;
	} finally {
		clearTimeout(timer);
	}
}

// The fragment: the floor, then what the page hands on (&alarm=, &token=,
// &sso=1 for a person signed in with the identity provider, whose session
// is the other instance's to make: the page there goes through the
// provider again, which knows them still and sends them straight back).
export function handoffHash({ floor, alarm, token, sso }) {
	let h = '#' + encodeURIComponent(floor ?? '');
	if (alarm != null)
		h += `&alarm=${encodeURIComponent(alarm)}`;
	if (token)
		h += `&token=${encodeURIComponent(token)}`;
	else if (sso)
		h += '&sso=1';
	return h;
}

// What a page that failed over to this one was handed: the token goes to
// this tab's storage and, with the rest, out of the address bar and the
// history. { floor, alarm, sso } (floor and alarm may be null).
export function takeHandoff() {
	const [first, ...rest] = location.hash.slice(1).split('&');
	const got = { floor: first ? decodeURIComponent(first) : null, alarm: null,
		sso: false };
	if (!rest.length)
		return got;
	for (const kv of rest) {
		const [k, v = ''] = kv.split('=');
		if (k === 'token' && v)
			setToken(decodeURIComponent(v));
		else if (k === 'alarm' && /^\d+$/.test(v))
			got.alarm = Number(v);
		else if (k === 'sso' && v === '1')
			got.sso = true;
	}
	history.replaceState(history.state, '', location.pathname + location.search +
		(first ? `#${first}` : ''));
	return got;
}

export class Failover {
	// peers: the other instances' page addresses (whoami); state(): what
	// to hand on, { floor, alarm }.
	constructor({ peers, state, onLooking }) {
		this.peers = (peers ?? []).filter((p) => p !== here());
		this.state = state;
		this.onLooking = onLooking;
		this.timer = null;
	}

	// The live stream's state, as LiveStream reports it.
	streamState(s) {
		if (s === 'up') {
			clearTimeout(this.timer);
			this.timer = null;
		} else if (s === 'down' && this.peers.length && !this.timer) {
			this.timer = setTimeout(() => this.look(), DOWN_BEFORE_MS);
		}
	}

	async look() {
		this.onLooking?.(this.peers);
		const found = await Promise.all(this.peers.map(answers));
		const i = found.indexOf(true);
		if (this.timer === null) // the stream came back meanwhile
			return;
		if (i < 0) {
			this.timer = setTimeout(() => this.look(), PROBE_EVERY_MS);
			return;
		}
		const url = new URL(this.peers[i]);
		url.hash = handoffHash({ ...this.state(), token: getToken() });
		location.assign(url.href);
	}
}
