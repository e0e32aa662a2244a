// Replay for a post-incident review: every tag on a floor played together
// on the map with the playback controls; and for one person the rooms they
// went through, in order, beside a simplified path.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { launch, noErrors, openPage, shot, startSim, startTrackd, tempDir } from './web.mjs';
import { simplifyPath } from '../../server/web/simplify.js';

let trackd, sim, browser, started;

// Positions of the replay's markers on screen: {tag: [x, y]}.
const replayMarkers = (page) => page.evaluate(() => {
	const out = {};
	for (const el of document.querySelectorAll('.replay-tag[data-tag]')) {
		const r = el.querySelector('.dot').getBoundingClientRect();
		out[el.dataset.tag] = [Math.round(r.x), Math.round(r.y)];
	}
	return out;
});

async function seek(page, permille) {
	await page.evaluate((v) => {
		const s = document.getElementById('pb-seek');
		s.value = String(v);
		s.dispatchEvent(new Event('input'));
	}, permille);
}

// A window of the last s seconds in the replay's form, loaded.
async function loadLast(page, s) {
	const to = Math.floor(Date.now() / 1000);
	await page.evaluate((secs) => {
		const two = (n) => String(n).padStart(2, '0');
		const local = (d) => `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}` +
			`T${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
		const f = document.getElementById('pb-form').elements;
		const now = new Date();
		f.from.value = local(new Date(now - secs * 1000));
		f.to.value = local(now);
	}, s);
	await page.click('#pb-form button[type="submit"]');
	return [to - s, to];
}

before(async () => {
	trackd = await startTrackd(['--db', path.join(tempDir('trackd-web-'), 'replay.db')]);
	started = Date.now() / 1000;
	sim = startSim(trackd);
	browser = await launch();
	// Until some person has gone through two rooms (zone events stored).
	const end = Date.now() + 90000;
	for (;;) {
		const ev = (await trackd.get('/api/v1/events?type=zone_enter')).json().events;
		const by = new Map();
		for (const e of ev)
			if (e.tag.startsWith('badge-'))
				by.set(e.tag, (by.get(e.tag) ?? 0) + 1);
		if ([...by.values()].some((n) => n >= 2))
			break;
		assert.ok(Date.now() < end, 'a person through two rooms within 90 s');
		await new Promise((r) => setTimeout(r, 1000));
	}
});

after(async () => {
	await browser?.close();
	await sim?.stop();
	await trackd?.stopClean();
});

test('incident replay: every tag on the floor moves together under the playback controls', async () => {
	const page = await openPage(browser, trackd.http + '/', { width: 1280, height: 900 });
	await page.waitForSelector('.tag[data-tag] .dot', { timeout: 10000 });
	await page.click('#floor-replay');
	await page.waitForFunction(() => /\d+ tags, \d+ positions/.test(document.getElementById('pb-msg').textContent),
		null, { timeout: 10000 });
	assert.match(await page.textContent('#pb-who'), /Everyone on/);
	// The stored part of the window only: the last 40 s.
	const [from, to] = await loadLast(page, 40);
	const at = (t) => Math.round(1000 * (t - from) / (to - from));
	await page.waitForFunction(() => /\d+ tags, \d+ positions/.test(document.getElementById('pb-msg').textContent),
		null, { timeout: 10000 });
	const tags = Number((await page.textContent('#pb-msg')).match(/(\d+) tags/)[1]);
	assert.ok(tags >= 5, `${tags} tags on the floor`);
	await page.click('#pb-play'); // pause: the seek bar decides
	// Two moments of the stored part: after a few seconds of data, and at
	// the end.
	await seek(page, at(Math.max(from, started + 4)));
	const a = await replayMarkers(page);
	await shot(page, 'replay-floor.png');
	await seek(page, at(to - 1));
	const b = await replayMarkers(page);
	const both = Object.keys(a).filter((id) => id in b);
	const moved = both.filter((id) => Math.hypot(a[id][0] - b[id][0], a[id][1] - b[id][1]) > 2);
	assert.ok(both.length >= 5, `${both.length} markers drawn at both times`);
	assert.ok(moved.length >= 3, `${moved.length} of ${both.length} markers moved`);
	// Names as on the live map, and the live markers out of the way.
	const names = await page.$$eval('.replay-tag .name', (els) => els.map((e) => e.textContent));
	assert.ok(names.some((n) => /\w+ \w+/.test(n)), names.join(', '));
	assert.equal(await page.$eval('.leaflet-marker-pane .tag:not(.replay-tag)',
		(el) => getComputedStyle(el).display).catch(() => 'none'), 'none');
	// Playing moves the clock on.
	const t0 = await page.textContent('#pb-time');
	await seek(page, 0);
	await page.click('#pb-play');
	await page.waitForFunction((t) => document.getElementById('pb-time').textContent !== t, t0,
		{ timeout: 5000 });
	await page.keyboard.press('Escape');
	await page.waitForSelector('#playback', { state: 'hidden' });
	assert.equal(await page.$$eval('.replay-tag', (els) => els.length), 0);
	noErrors(page);
});

test('a person\'s replay lists the rooms they went through, in order', async () => {
	const ev = (await trackd.get('/api/v1/events')).json().events;
	const enters = ev.filter((e) => e.tag.startsWith('badge-') &&
		(e.type === 'zone_enter' || e.type === 'restricted_entry'));
	const count = new Map();
	for (const e of enters)
		count.set(e.tag, (count.get(e.tag) ?? 0) + 1);
	const tag = [...count].sort((x, y) => y[1] - x[1])[0][0];
	const site = (await trackd.get('/api/v1/site')).json();

	const page = await openPage(browser, trackd.http + '/', { width: 1280, height: 900 });
	await page.waitForSelector('.tag[data-tag] .dot', { timeout: 10000 });
	await page.fill('#q', tag);
	await page.waitForSelector('#results li', { timeout: 5000 });
	await page.click('#results li');
	await page.waitForFunction((id) => document.getElementById('info-id').textContent.startsWith(id),
		tag, { timeout: 5000 });
	await page.click('#info-replay');
	await page.waitForFunction(() => document.querySelectorAll('#pb-rooms li').length >= 2,
		null, { timeout: 10000 });
	const rooms = await page.$$eval('#pb-rooms button', (bs) => bs.map((b) =>
		({ zone: b.dataset.zone, t: Number(b.dataset.t), text: b.textContent })));
	// Every room entered, in the order of the events; the times ascending.
	const mine = enters.filter((e) => e.tag === tag).sort((x, y) => x.t - y.t);
	let k = 0;
	for (const e of mine) {
		while (k < rooms.length && rooms[k].zone !== e.zone)
			k++;
		assert.ok(k < rooms.length, `${e.zone} at ${e.t} in ${JSON.stringify(rooms)}`);
	}
	for (let i = 1; i < rooms.length; i++)
		assert.ok(rooms[i].t >= rooms[i - 1].t, 'in order of time');
	const zoneName = new Map(site.zones.map((z) => [z.id, z.name]));
	for (const r of rooms)
		assert.match(r.text, new RegExp(`^\\d{2}:\\d{2} ${zoneName.get(r.zone).replace(/[()]/g, '\\$&')}`));
	// The path drawn is the simplified one.
	const raw = Number(await page.getAttribute('#playback', 'data-raw-points'));
	const drawn = Number(await page.getAttribute('#playback', 'data-path-points'));
	assert.ok(drawn >= 2 && drawn <= raw, `${drawn} of ${raw} points`);
	assert.ok(await page.$('path.replay-path'));
	await shot(page, 'replay-rooms.png');
	// A room takes the replay to its time.
	await page.click('#pb-play');
	await page.click('#pb-rooms li:last-child button');
	assert.ok(await page.$('#pb-rooms li:last-child button.current'));
	noErrors(page);
});

test('the path is simplified within the fixes\' uncertainty, corners kept', () => {
	// A walk east with 0.6 m of jitter, then a turn north.
	const pts = [];
	for (let i = 0; i <= 20; i++)
		pts.push({ x: i, y: i % 2 ? 0.6 : -0.6 });
	for (let i = 1; i <= 10; i++)
		pts.push({ x: 20 + (i % 2 ? 0.6 : -0.6), y: i });
	const out = simplifyPath(pts);
	assert.ok(out.length <= 4, `${out.length} points: ${JSON.stringify(out)}`);
	assert.deepEqual(out[0], pts[0]);
	assert.deepEqual(out.at(-1), pts.at(-1));
	assert.ok(out.some((p) => Math.abs(p.x - 20) < 1.5 && Math.abs(p.y) < 1.5), 'the corner stays');
	assert.deepEqual(simplifyPath(pts.slice(0, 2)), pts.slice(0, 2));
});
