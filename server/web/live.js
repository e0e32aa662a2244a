// The track-live.v1 stream: one WebSocket that reconnects by itself with
// backoff and jitter, re-sends its subscription, and hands every message
// to the page. The token goes in the URL (browsers cannot set headers on
// a WebSocket).
import { getToken } from './api.js';
import { received } from './map.js';

const BACKOFF_MIN_MS = 1000;
const BACKOFF_MAX_MS = 30000;
// trackd takes at most ten subscriptions a second from a client (each
// costs a snapshot): never send two closer than this.
const SUBSCRIBE_GAP_MS = 150;

export class LiveStream {
	constructor({ onMessage, onState }) {
		this.onMessage = onMessage;
		this.onState = onState;
		this.subscription = null;
		this.ws = null;
		this.backoff = BACKOFF_MIN_MS;
		this.retry = null;
		this.sentAt = -Infinity;
		this.pending = null;
	}

	url() {
		const url = new URL('./', document.baseURI);
		url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
		const t = getToken();
		if (t)
			url.searchParams.set('token', t);
		return url;
	}

	connect() {
		clearTimeout(this.retry);
		this.onState('connecting', 'connecting…');
		const ws = new WebSocket(this.url(), 'track-live.v1');
		this.ws = ws;
		ws.onopen = () => {
			this.onState('up', 'live');
			this.send();
		};
		ws.onmessage = (ev) => {
			let m;
			try {
				m = JSON.parse(ev.data);
			} catch {
				return;
			}
			if (m.type === 'snapshot')
				this.backoff = BACKOFF_MIN_MS; // a working connection
			// Ages count on from when each tag came in (map.js ageOf).
			if (Array.isArray(m.tags))
				m.tags.forEach(received);
			received(m.alarm?.position);
			this.onMessage(m);
		};
		ws.onclose = () => {
			if (this.ws !== ws)
				return;
			this.ws = null;
			// Jitter, so that many screens do not come back at once.
			const d = this.backoff * (0.75 + Math.random() * 0.5);
			this.backoff = Math.min(this.backoff * 2, BACKOFF_MAX_MS);
			this.onState('down', `offline, retrying in ${Math.round(d / 1000)} s`);
			this.retry = setTimeout(() => this.connect(), d);
		};
	}

	// The newest subscription goes out, at most one per SUBSCRIBE_GAP_MS:
	// a burst (floor buttons clicked in a row, a resync as the page
	// loads) sends the last one a moment later instead of being refused.
	send() {
		if (this.ws?.readyState !== WebSocket.OPEN || !this.subscription)
			return;
		const wait = this.sentAt + SUBSCRIBE_GAP_MS - performance.now();
		if (wait > 0) {
			if (!this.pending)
				this.pending = setTimeout(() => {
					this.pending = null;
					this.send();
				}, wait);
			return;
		}
		this.sentAt = performance.now();
		this.ws.send(JSON.stringify({ subscribe: this.subscription }));
	}

	// {floor: id} or {tag: id}; sending it again asks for a fresh snapshot.
	subscribe(subscription) {
		this.subscription = subscription;
		this.send();
	}
}
