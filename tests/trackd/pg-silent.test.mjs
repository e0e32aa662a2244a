// PostgreSQL gone silent under trackd, as when its host dies or the
// network is cut: the server's socket stays open and says nothing (a
// proxy on loopback that stops passing bytes, and then takes new
// connections without ever answering them). trackd gives up on a
// statement after its wait, reports itself degraded and goes on serving
// the live map without stalling while it tries to connect again; when
// the server answers again, every row kept meanwhile is written.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';

import { feedOnce, sleep, startPostgres, startTrackd, until } from './trackd.mjs';

const pg = startPostgres();
const skip = pg ? false : 'no PostgreSQL server programs (initdb) installed';
const TAG = 'badge-0031';

// A TCP proxy to PostgreSQL that can go silent (freeze) and come back.
class SilentProxy {
	constructor(target) {
		this.target = target;
		this.frozen = false;
		this.pairs = new Set();
		this.server = net.createServer((client) => this.take(client));
	}

	listen() {
		return new Promise((resolve) => this.server.listen(0, '127.0.0.1',
			() => resolve(this.server.address().port)));
	}

	take(client) {
		const pair = { client, upstream: null };
		this.pairs.add(pair);
		client.on('error', () => {});
		client.on('close', () => { pair.upstream?.destroy(); this.pairs.delete(pair); });
		if (this.frozen)
			return; // taken, never answered
		pair.upstream = net.connect(this.target.port, this.target.host);
		pair.upstream.on('error', () => client.destroy());
		pair.upstream.on('close', () => client.destroy());
		client.on('data', (d) => { if (!this.frozen) pair.upstream.write(d); });
		pair.upstream.on('data', (d) => { if (!this.frozen) client.write(d); });
	}

	// Bytes stop both ways; the sockets stay open.
	freeze() {
		this.frozen = true;
	}

	// The silent connections end (as TCP would give up on them at
	// last) and new ones pass again.
	thaw() {
		this.frozen = false;
		for (const p of this.pairs) {
			p.client.destroy();
			p.upstream?.destroy();
		}
	}

	close() {
		this.thaw();
		return new Promise((r) => this.server.close(r));
	}
}

let proxy, trackd;

before(async () => {
	if (skip)
		return;
	const u = new URL(pg.url);
	proxy = new SilentProxy({ host: u.hostname, port: Number(u.port) });
	u.port = String(await proxy.listen());
	trackd = await startTrackd(['--db', u.href]);
});

after(async () => {
	await trackd?.stopClean();
	await proxy?.close();
});

// The longest gap between two positions messages of live in [from, to).
function longestGap(live, from, to) {
	const at = live.messages.filter((m) => m.type === 'positions' &&
		m.received >= from && m.received < to).map((m) => m.received);
	let gap = 0;
	for (let i = 1; i < at.length; i++)
		gap = Math.max(gap, at[i] - at[i - 1]);
	return { gap, n: at.length };
}

test('PostgreSQL silent: degraded within seconds, the live map never held up past one wait, every row written after', { skip, timeout: 90000 }, async (t) => {
	const ingest = await trackd.ingest();
	const live = await trackd.live();
	live.subscribe({ floor: 'f0' });
	let x = 8;
	let feeding = true;
	// A tag walking along the corridor, a report document every 250 ms.
	const walker = (async () => {
		while (feeding) {
			x = x >= 30 ? 8 : x + 0.25;
			await feedOnce(ingest, [{ tag: TAG, floor: 'f0', x, y: 11 }]).catch(() => {});
			await sleep(250);
		}
	})();
	try {
		await live.waitFor((m) => m.type === 'positions' &&
			m.tags.some((tg) => tg.id === TAG), 5000, 'the walker on the map');
		await until(async () => await trackd.metric('trackd_db_pending_rows') === 0,
			5000, 'the history written');
		await sleep(4000);
		const frozeAt = Date.now();
		// The pace before: the tag is solved about once a second.
		const usual = longestGap(live, frozeAt - 4000, frozeAt);
		proxy.freeze();
		const h = await until(async () => {
			const j = (await trackd.get('/healthz')).json();
			return j.status === 'degraded' ? j : null;
		}, 6000, '/healthz to say degraded');
		assert.match(h.db, /PostgreSQL did not answer|connecting to PostgreSQL again|did not take a new connection/,
			JSON.stringify(h));
		assert.match(trackd.stderr(), /PostgreSQL did not answer within 2000 ms \(connection dropped/);
		await sleep(6000);
		// From the last message before it went silent.
		const during = longestGap(live, frozeAt - usual.gap - 100, Date.now());
		// After the first wait (the statement in flight when it went
		// silent), a positions message at the usual pace.
		const settled = longestGap(live, frozeAt + 3500, Date.now());
		t.diagnostic(`longest gap between positions messages: ${usual.gap} ms ` +
			`before, ${during.gap} ms silent, ${settled.gap} ms after its first 3.5 s`);
		// One wait (2 s) on top of the usual pace, at most.
		assert.ok(during.gap < usual.gap + 2500, `the map held up ${during.gap} ms`);
		assert.ok(settled.gap < usual.gap + 300,
			`the map held up ${settled.gap} ms while reconnecting (${usual.gap} ms before)`);
		const thawAt = Date.now();
		proxy.thaw();
		await until(async () => (await trackd.get('/healthz')).json().status === 'ok',
			10000, '/healthz ok again');
		// The rows kept through the silence, written.
		await until(async () => {
			const rows = (await trackd.get(`/api/v1/tags/${TAG}/history?from=` +
				`${Math.floor(frozeAt / 1000) - 2}`)).json().positions;
			return rows.filter((r) => r.t * 1000 > frozeAt + 1000 &&
				r.t * 1000 < thawAt).length >= 3;
		}, 10000, 'the rows of the silence in the history');
		assert.equal(await trackd.metric('trackd_db_dropped_total'), 0);
	} finally {
		feeding = false;
		await walker;
		live.close();
		ingest.close();
	}
});
