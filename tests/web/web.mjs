// Helpers for the web UI tests: a real trackd on loopback fed live by the
// real tracksim, and Debian's Chromium driven by playwright-core.
//
// Environment: TRACKD, TRACKSIM, SITE (defaults under build/ and the demo
// site), CHROMIUM (default /usr/bin/chromium), WEB_ARTIFACTS (where
// screenshots go; default build/web-artifacts).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

import { PASSWORD } from '../trackd/broker.mjs';
import { ROOT, SITE, startTrackd, tempDir, until } from '../trackd/trackd.mjs';

export { startTrackd, tempDir, SITE, ROOT };
export const TRACKSIM = path.resolve(ROOT,
	process.env.TRACKSIM || 'build/scanners/tracksim');
export const ARTIFACTS = path.resolve(ROOT,
	process.env.WEB_ARTIFACTS || 'build/web-artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

const sims = new Set();
process.on('exit', () => {
	for (const p of sims)
		p.kill('SIGKILL');
});

// A pair's site (trackd --peer): tracksim publishing every scanner's
// reports to broker (no presses: the tests make their own), killed at
// exit.
export function startSimOnBroker(broker) {
	const proc = spawn(TRACKSIM, ['--site', SITE, '--mqtt', broker.url,
		'--mqtt-user', 'tracksim', '--seed', '5', '--button-every', '0'],
	{ cwd: ROOT, stdio: 'ignore',
		env: { ...process.env, TRACK_MQTT_PASSWORD: PASSWORD } });
	sims.add(proc);
	proc.once('exit', () => sims.delete(proc));
	return proc;
}

// One trackd of a pair: on the database db and subscribed to broker as
// trackd-<name>, with extra options; once the broker has it.
export async function startOnBroker(broker, db, name, extra = []) {
	const t = await startTrackd(['--db', db,
		...broker.trackdArgs(`trackd-${name}`), ...extra]);
	await until(async () => (await t.get('/healthz')).json().mqtt ===
		'connected', 5000, `trackd ${name} connected to the broker`);
	return t;
}

// Stopped with SIGTERM, unless a test killed it already.
export async function stopUnlessKilled(t) {
	if (t && t.proc.exitCode === null && t.proc.signalCode === null)
		await t.stopClean();
}

// tracksim walking the site's tags and sending to trackd; extra options
// (e.g. ['--button-every', '12']) are passed on. Its stderr is kept:
// it names every button press.
export function startSim(trackd, extra = []) {
	const args = ['--site', SITE, '--server', `ws://127.0.0.1:${trackd.port}`,
		'--seed', '7', '--button-every', '0', ...extra];
	const proc = spawn(TRACKSIM, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
	sims.add(proc);
	let err = '';
	const waiters = [];
	proc.stderr.setEncoding('utf8');
	proc.stderr.on('data', (d) => {
		err += d;
		for (const w of waiters.slice()) {
			const m = w.re.exec(err.slice(w.from));
			if (m) {
				waiters.splice(waiters.indexOf(w), 1);
				w.resolve(m);
			}
		}
	});
	const exited = new Promise((r) => proc.once('exit', () => { sims.delete(proc); r(); }));
	return {
		stderr: () => err,
		// The next line matching re (from now on), within ms.
		waitFor(re, ms, what) {
			return new Promise((resolve, reject) => {
				const w = { re, from: err.length, resolve };
				waiters.push(w);
				setTimeout(() => reject(new Error(`no ${what} within ${ms} ms; ` +
					`tracksim said:\n${err}`)), ms).unref();
			});
		},
		async stop() {
			proc.kill('SIGTERM');
			await exited;
		},
	};
}

// Until the simulator's people have been counted in a zone of floor f0
// (the reports have data to draw), within 30 s.
export async function untilCounted(trackd) {
	const end = Date.now() + 30000;
	for (;;) {
		const occ = (await trackd.get('/api/v1/reports/occupancy?floor=f0')).json();
		if (occ.zones.some((z) => z.buckets.some((b) => b.mean > 0)))
			return;
		assert.ok(Date.now() < end, 'occupancy within 30 s');
		await new Promise((r) => setTimeout(r, 500));
	}
}

export async function launch() {
	return chromium.launch({
		executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
		args: ['--no-sandbox'],
	});
}

// A page that fails the test on any uncaught script error.
export async function openPage(browser, url, viewport = { width: 1280, height: 800 }) {
	const context = await browser.newContext({ viewport, acceptDownloads: true });
	const page = await context.newPage();
	page.errors = [];
	page.on('pageerror', (e) => page.errors.push(e.message));
	await page.goto(url);
	return page;
}

export function noErrors(page) {
	assert.deepEqual(page.errors, [], 'no script errors on the page');
}

export const shot = (page, name) =>
	page.screenshot({ path: path.join(ARTIFACTS, name) });

// Centres of the tag markers on the page: {id: [x, y, floor]}.
export const markerCentres = (page) => page.evaluate(() => {
	const out = {};
	for (const el of document.querySelectorAll('.tag[data-tag]')) {
		const r = el.querySelector('.dot').getBoundingClientRect();
		out[el.dataset.tag] = [r.x + r.width / 2, r.y + r.height / 2, el.dataset.floor];
	}
	return out;
});
