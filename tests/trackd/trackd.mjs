// Helpers for the trackd integration tests: start and stop the server,
// talk to it over its two WebSocket protocols and HTTP, and make the
// reports a tag at a known place would give.
//
// Environment: TRACKD (the binary, default build/server/trackd) and SITE
// (default floorplans/demo/site.json), relative to the repository root.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)),
	'..', '..');
export const TRACKD = path.resolve(ROOT,
	process.env.TRACKD || 'build/server/trackd');
export const SITE = path.resolve(ROOT,
	process.env.SITE || 'floorplans/demo/site.json');
export const WEB = path.join(ROOT, 'server', 'web');

const START_TIMEOUT_MS = 10000;
const STOP_TIMEOUT_MS = 5000;
// The address is 127.0.0.1 unless a test binds another.
const START_LINE = /^trackd: listening on https?:\/\/[^/\s]+:(\d+)\//m;

if (typeof WebSocket === 'undefined')
	throw new Error('no global WebSocket: run node with --experimental-websocket');

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Until pred() gives something true (polled every 50 ms), which it returns;
// or fail saying what was awaited.
export async function until(pred, timeoutMs, what) {
	const end = Date.now() + timeoutMs;
	for (;;) {
		const v = await pred();
		if (v)
			return v;
		if (Date.now() > end)
			assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
		await sleep(50);
	}
}
export const now = () => Date.now() / 1000;

let siteCache;
export function loadSite() {
	siteCache ??= JSON.parse(readFileSync(SITE, 'utf8'));
	return siteCache;
}

// ---- the server ----------------------------------------------------------

// A port nobody listens on right now (trackd may still lose a race for it:
// startTrackd retries).
async function freePort() {
	for (;;) {
		const port = 20000 + Math.floor(Math.random() * 20000);
		const ok = await new Promise((resolve) => {
			const s = net.createServer();
			s.once('error', () => resolve(false));
			s.listen(port, () => s.close(() => resolve(true)));
		});
		if (ok)
			return port;
	}
}

const running = new Set();
process.on('exit', () => {
	for (const p of running)
		p.kill('SIGKILL');
});

function startOnce(port, extra) {
	return new Promise((resolve, reject) => {
		// With a config file, the site is the file's to name.
		const site = extra.includes('--config') ? [] : ['--site', SITE];
		const args = [...site, '--port', String(port), '--web', WEB, ...extra];
		const proc = spawn(TRACKD, args, { cwd: ROOT,
			stdio: ['ignore', 'pipe', 'pipe'] });
		let out = '', err = '', started = false;
		const exited = new Promise((r) => proc.once('exit',
			(code, signal) => { running.delete(proc); r({ code, signal }); }));
		running.add(proc);
		const timer = setTimeout(() => {
			proc.kill('SIGKILL');
			reject(new Error(`trackd did not start within ${START_TIMEOUT_MS} ms` +
				`\nstdout:\n${out}\nstderr:\n${err}`));
		}, START_TIMEOUT_MS);
		proc.stdout.setEncoding('utf8');
		proc.stderr.setEncoding('utf8');
		proc.stdout.on('data', (d) => {
			out += d;
			const m = !started && START_LINE.exec(out);
			if (m) {
				started = true;
				clearTimeout(timer);
				assert.equal(Number(m[1]), port, 'the start line names the port');
				resolve(new Trackd(proc, port, exited, () => out, () => err));
			}
		});
		proc.stderr.on('data', (d) => { err += d; });
		proc.once('error', (e) => {
			clearTimeout(timer);
			reject(new Error(`cannot run ${TRACKD}: ${e.message}`));
		});
		exited.then(({ code, signal }) => {
			if (started)
				return;
			clearTimeout(timer);
			const e = new Error(`trackd exited (code ${code}, signal ${signal}) ` +
				`before it was listening\nstdout:\n${out}\nstderr:\n${err}`);
			e.portInUse = /bind|listen|in use|port/i.test(err);
			reject(e);
		});
	});
}

class Trackd {
	constructor(proc, port, exited, stdout, stderr) {
		this.proc = proc;
		this.port = port;
		this.exited = exited;
		this.stdout = stdout;
		this.stderr = stderr;
		this.http = `http://127.0.0.1:${port}`;
		this.ws = `ws://127.0.0.1:${port}/`;
		this.line = START_LINE.exec(stdout())[0];
	}

	// SIGTERM, then the exit status ({code, signal}).
	async stop() {
		this.proc.kill('SIGTERM');
		let timer;
		const late = new Promise((r) => {
			timer = setTimeout(() => r(null), STOP_TIMEOUT_MS);
		});
		const st = await Promise.race([this.exited, late]);
		clearTimeout(timer);
		if (!st) {
			this.proc.kill('SIGKILL');
			throw new Error(`trackd did not stop within ${STOP_TIMEOUT_MS} ms ` +
				`of SIGTERM\nstderr:\n${this.stderr()}`);
		}
		return st;
	}

	// SIGKILL, as a crash would: nothing is flushed. The exit status.
	async kill() {
		this.proc.kill('SIGKILL');
		return this.exited;
	}

	// Stop and assert a clean exit (for after()).
	async stopClean() {
		const st = await this.stop();
		assert.deepEqual(st, { code: 0, signal: null },
			`trackd exits 0 on SIGTERM\nstderr:\n${this.stderr()}`);
	}

	// token: sent as "Authorization: Bearer <token>" when given; by
	// default this.token (none until a test sets one).
	async get(p, token = this.token) {
		const res = await fetch(this.http + p,
			{ headers: token ? { authorization: `Bearer ${token}` } : {} });
		const text = await res.text();
		return { status: res.status, type: res.headers.get('content-type') || '',
			text, json: () => JSON.parse(text) };
	}

	async post(p, body, type = 'application/json', token = this.token) {
		const headers = { 'content-type': type };
		if (token)
			headers.authorization = `Bearer ${token}`;
		const res = await fetch(this.http + p, { method: 'POST', body, headers });
		const text = await res.text();
		return { status: res.status, type: res.headers.get('content-type') || '',
			text, json: () => JSON.parse(text) };
	}

	// Until GET /api/v1/tags/{tag} answers 200 (the engine locates a tag
	// at the tick after its reports); that answer's tag object.
	async waitLocated(tag, timeoutMs = 3000) {
		const end = Date.now() + timeoutMs;
		for (;;) {
			const res = await this.get(`/api/v1/tags/${encodeURIComponent(tag)}`);
			if (res.status === 200)
				return res.json();
			if (Date.now() > end)
				assert.fail(`${tag} not located within ${timeoutMs} ms: ${res.text}`);
			await sleep(100);
		}
	}

	// The value of one sample of /metrics (name with its labels, if any),
	// asked with token (an admin's or a monitor's once there are tokens).
	async metric(name, token = this.token) {
		const res = await this.get('/metrics', token);
		const line = res.text.split('\n').find((l) => l.startsWith(name + ' '));
		assert.ok(line, `${name} in /metrics:\n${res.text}`);
		return Number(line.slice(name.length + 1));
	}

	// Browsers cannot set headers on a WebSocket: the token goes in the URL.
	ingest(token = this.token) {
		return IngestClient.open(this.ws + (token ? `?token=${token}` : ''));
	}

	live(token = this.token) {
		return LiveClient.open(this.ws + (token ? `?token=${token}` : ''));
	}
}

// Start trackd on a free port; extra arguments (e.g. ['--tick-ms', '100'])
// are passed on.
export async function startTrackd(extra = []) {
	let last;
	for (let attempt = 0; attempt < 5; attempt++) {
		try {
			return await startOnce(await freePort(), extra);
		} catch (e) {
			if (!e.portInUse)
				throw e;
			last = e;
		}
	}
	throw last;
}

// A new token of role in the database db (made when missing), as
// `trackd token add` prints it on its last line.
export function makeToken(db, role, name = role) {
	const out = execFileSync(TRACKD, ['token', 'add', '--role', role,
		'--name', name, '--db', db], { encoding: 'utf8' });
	return out.trim().split('\n').at(-1);
}

// A throwaway PostgreSQL server (tests/pgtmp.sh: a temporary directory, a
// free loopback port; as the postgres user when run as root), removed at
// exit: { url, stop(), startAgain() }. null when PostgreSQL is not
// installed (pgtmp.sh's exit 77), for the caller to skip.
const PGTMP = path.join(ROOT, 'tests', 'pgtmp.sh');
export function startPostgres() {
	let out;
	try {
		out = execFileSync(PGTMP, ['start'], { encoding: 'utf8' });
	} catch (e) {
		if (e.status === 77)
			return null;
		throw e;
	}
	const [dir, port] = out.trim().split(' ');
	process.on('exit', () => {
		try {
			execFileSync(PGTMP, ['remove', dir]);
		} catch {
			// gone already
		}
	});
	return {
		url: `postgresql://trackd@127.0.0.1:${port}/postgres`,
		stop: () => execFileSync(PGTMP, ['stop', dir]),
		startAgain: () => execFileSync(PGTMP, ['start-again', dir]),
	};
}

// A fresh temporary directory (for database files), removed at exit.
export function tempDir(prefix = 'trackd-') {
	const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
	process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
	return dir;
}

// ---- WebSocket clients ---------------------------------------------------

function openSocket(url, protocol) {
	return new Promise((resolve, reject) => {
		const ws = new WebSocket(url, protocol);
		ws.onopen = () => {
			ws.onerror = null;
			if (ws.protocol !== protocol)
				reject(new Error(`server chose subprotocol '${ws.protocol}', ` +
					`not ${protocol}`));
			else
				resolve(ws);
		};
		ws.onerror = (ev) => reject(new Error(`cannot open ${protocol} at ${url}: ` +
			`${ev.message || ev.error?.message || 'error'}`));
	});
}

function withTimeout(promise, ms, what) {
	let timer;
	return Promise.race([
		promise,
		new Promise((_, reject) => {
			timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms ` +
				`waiting for ${what}`)), ms);
		}),
	]).finally(() => clearTimeout(timer));
}

// track-ingest.v1: every frame gets one answer, in order.
export class IngestClient {
	static async open(url) {
		return new IngestClient(await openSocket(url, 'track-ingest.v1'));
	}

	constructor(ws) {
		this.ws = ws;
		this.pending = [];
		ws.onmessage = (ev) => {
			const p = this.pending.shift();
			if (p)
				p.resolve(JSON.parse(ev.data));
		};
		ws.onclose = () => {
			for (const p of this.pending.splice(0))
				p.reject(new Error('ingest socket closed before the answer'));
		};
	}

	// Send a document (an object, or a string sent as it is); the answer.
	send(doc, timeoutMs = 5000) {
		const answer = new Promise((resolve, reject) =>
			this.pending.push({ resolve, reject }));
		this.ws.send(typeof doc === 'string' ? doc : JSON.stringify(doc));
		return withTimeout(answer, timeoutMs, 'an ingest answer');
	}

	close() { this.ws.close(); }
}

// track-live.v1: keeps every message; waitFor() finds one.
export class LiveClient {
	static async open(url) {
		return new LiveClient(await openSocket(url, 'track-live.v1'));
	}

	constructor(ws) {
		this.ws = ws;
		this.messages = [];
		this.waiters = [];
		this.closed = false;
		ws.onmessage = (ev) => {
			const m = JSON.parse(ev.data);
			m.received = Date.now();
			this.messages.push(m);
			for (const w of this.waiters.slice())
				if (w.pred(m)) {
					this.waiters.splice(this.waiters.indexOf(w), 1);
					w.resolve(m);
				}
		};
		ws.onclose = () => { this.closed = true; };
	}

	subscribe(what) {
		this.ws.send(JSON.stringify({ subscribe: what }));
	}

	// The first message (from index `from` of this.messages on) that pred
	// accepts, now or when it arrives.
	waitFor(pred, timeoutMs, what = 'a live message', from = 0) {
		const seen = this.messages.slice(from).find(pred);
		if (seen)
			return Promise.resolve(seen);
		const w = { pred };
		const p = new Promise((resolve) => { w.resolve = resolve; });
		this.waiters.push(w);
		return withTimeout(p, timeoutMs, what).catch((e) => {
			this.waiters.splice(this.waiters.indexOf(w), 1);
			throw e;
		});
	}

	// Tag objects of every positions (and snapshot) message so far.
	tags(types = ['positions', 'snapshot']) {
		return this.messages.filter((m) => types.includes(m.type))
			.flatMap((m) => m.tags);
	}

	events() {
		return this.messages.filter((m) => m.type === 'event').map((m) => m.event);
	}

	close() { this.ws.close(); }
}

// ---- reports ----------------------------------------------------------------

export const TAG_HEIGHT = 1.0;
export const P1M = -59;

// What the scanners of `floor` within `range` m would hear from a tag at
// (x, y): noise-free log-distance path loss over the 3-D distance, with
// each scanner's own exponent where the site gives one (2 otherwise).
// [{scanner, rssi}].
export function hearing(floor, x, y, range = 20) {
	const out = [];
	for (const s of loadSite().scanners) {
		if (s.floor !== floor)
			continue;
		const d2 = Math.hypot(s.x - x, s.y - y);
		if (d2 > range)
			continue;
		const d = Math.max(Math.hypot(d2, s.z - TAG_HEIGHT), 0.1);
		const n = s.path_loss ?? 2;
		const rssi = Math.round(P1M - 10 * n * Math.log10(d) +
			(s.rssi_offset ?? 0));
		out.push({ scanner: s.id, rssi });
	}
	return out;
}

// Ingest frames (one per scanner) for tags placed as
// [{tag, floor, x, y, ...extra report fields}] at time t.
export function framesFor(placements, t = now()) {
	const byScanner = new Map();
	for (const { tag, floor, x, y, ...extra } of placements)
		for (const { scanner, rssi } of hearing(floor, x, y)) {
			if (!byScanner.has(scanner))
				byScanner.set(scanner, []);
			byScanner.get(scanner).push({ tag, rssi, t, ...extra });
		}
	return [...byScanner].map(([scanner, reports]) => ({ scanner, reports }));
}

// Send one round of frames and check every report is accepted.
export async function feedOnce(ingest, placements, t = now()) {
	const frames = framesFor(placements, t);
	const answers = await Promise.all(frames.map((f) => ingest.send(f)));
	answers.forEach((a, i) => assert.deepEqual(a,
		{ accepted: frames[i].reports.length, rejected: [] },
		`frame from ${frames[i].scanner} accepted whole`));
	return frames;
}

// Feed the placements once a second for `seconds` rounds (the first now).
// stop(), when given, ends it early when it returns true.
export async function feed(ingest, placements, seconds, stop = () => false) {
	const start = Date.now();
	for (let i = 0; i < seconds && !stop(); i++) {
		const wait = start + i * 1000 - Date.now();
		if (wait > 0)
			await sleep(wait);
		await feedOnce(ingest, placements);
	}
}

// ---- checks -----------------------------------------------------------------

export function assertTag(t, where = 'tag object') {
	assert.equal(typeof t, 'object', where);
	assert.equal(typeof t.id, 'string', `${where}: id`);
	assert.ok(t.name === null || typeof t.name === 'string', `${where}: name`);
	assert.equal(typeof t.kind, 'string', `${where}: kind`);
	for (const k of ['x', 'y', 'r', 't'])
		assert.ok(Number.isFinite(t[k]), `${where}: ${k} is a number`);
	assert.equal(typeof t.floor, 'string', `${where}: floor`);
	assert.ok(t.zone === null || typeof t.zone === 'string', `${where}: zone`);
	assert.equal(typeof t.moving, 'boolean', `${where}: moving`);
}

export function assertNear(t, x, y, tol, where = t.id) {
	const d = Math.hypot(t.x - x, t.y - y);
	assert.ok(d <= tol, `${where} at (${t.x}, ${t.y}) is ${d.toFixed(2)} m ` +
		`from (${x}, ${y}); at most ${tol} m expected`);
}

export function assertJsonError(res, status, error) {
	assert.equal(res.status, status, `status ${status}: ${res.text}`);
	assert.match(res.type, /application\/json/);
	const body = res.json();
	assert.equal(typeof body.error, 'string');
	assert.equal(typeof body.detail, 'string');
	if (error)
		assert.equal(body.error, error);
	return body;
}

// ---- a client that never reads ----------------------------------------------

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

// A masked client text frame.
export function wsFrame(text) {
	const payload = Buffer.from(text, 'utf8');
	const mask = randomBytes(4);
	let head;
	if (payload.length < 126) {
		head = Buffer.from([0x81, 0x80 | payload.length]);
	} else if (payload.length < 65536) {
		head = Buffer.alloc(4);
		head[0] = 0x81;
		head[1] = 0x80 | 126;
		head.writeUInt16BE(payload.length, 2);
	} else {
		head = Buffer.alloc(10);
		head[0] = 0x81;
		head[1] = 0x80 | 127;
		head.writeBigUInt64BE(BigInt(payload.length), 2);
	}
	const body = Buffer.alloc(payload.length);
	for (let i = 0; i < payload.length; i++)
		body[i] = payload[i] ^ mask[i & 3];
	return Buffer.concat([head, mask, body]);
}

// Open a raw TCP connection, upgrade it to `protocol` by hand and return
// the socket, paused: nothing more is read from it unless the caller does.
// headers: more request header lines, e.g. { Origin: 'http://x' }.
export function rawWebSocket(port, protocol, headers = {}) {
	return new Promise((resolve, reject) => {
		const key = randomBytes(16).toString('base64');
		const accept = createHash('sha1').update(key + WS_GUID).digest('base64');
		const sock = net.connect(port, '127.0.0.1');
		let head = Buffer.alloc(0);
		sock.once('error', reject);
		// A refused handshake may end with no answer at all.
		sock.once('close', () => reject(new Error('closed before the upgrade')));
		sock.on('connect', () => sock.write(
			'GET / HTTP/1.1\r\n' +
			`Host: 127.0.0.1:${port}\r\n` +
			'Upgrade: websocket\r\n' +
			'Connection: Upgrade\r\n' +
			`Sec-WebSocket-Key: ${key}\r\n` +
			'Sec-WebSocket-Version: 13\r\n' +
			`Sec-WebSocket-Protocol: ${protocol}\r\n` +
			Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('') +
			'\r\n'));
		const onData = (d) => {
			head = Buffer.concat([head, d]);
			const end = head.indexOf('\r\n\r\n');
			if (end < 0)
				return;
			sock.off('data', onData);
			sock.pause();
			const lines = head.subarray(0, end).toString('latin1').split('\r\n');
			const fields = Object.fromEntries(lines.slice(1).map((l) => {
				const i = l.indexOf(':');
				return [l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim()];
			}));
			if (!/^HTTP\/1\.1 101\b/.test(lines[0]) ||
			    fields['sec-websocket-accept'] !== accept ||
			    fields['sec-websocket-protocol'] !== protocol) {
				sock.destroy();
				reject(new Error(`upgrade refused:\n${lines.join('\n')}`));
				return;
			}
			sock.off('error', reject);
			resolve(sock);
		};
		sock.on('data', onData);
	});
}
