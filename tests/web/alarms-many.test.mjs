// Several alarms at once, as a guard handles them: a newer press never
// takes the banner from the alarm being handled, it waits in the queue
// with its age; Acknowledge acts on the person on screen; the guard can
// switch; and a dozen open alarms leave the floor's people and events in
// sight. The presses are sent through the ingest socket, so they come
// exactly when the test says.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { feed, feedOnce, loadSite } from '../trackd/trackd.mjs';
import { launch, noErrors, openPage, shot, startTrackd } from './web.mjs';

// Fourteen people of the site along the ground floor's corridor.
const PEOPLE = loadSite().tags.filter((t) => t.kind === 'person').slice(0, 14)
	.map((t, i) => ({ tag: t.id, name: t.name, floor: 'f0', x: 3 + i * 3, y: 11.5 }));
const [A, B, C] = PEOPLE;

let trackd, ingest, browser, feeding = true, fed;

before(async () => {
	trackd = await startTrackd();
	ingest = await trackd.ingest();
	// Heard every second throughout, so every alarm has a fresh position.
	fed = feed(ingest, PEOPLE, 300, () => !feeding);
	await trackd.waitLocated(PEOPLE.at(-1).tag, 5000);
	browser = await launch();
});

after(async () => {
	feeding = false;
	await fed;
	ingest?.close();
	await browser?.close();
	await trackd?.stopClean();
});

const press = (p) => feedOnce(ingest, [{ ...p, button: true }]);
const alarmsNow = async () => (await trackd.get('/api/v1/alarms')).json().alarms;
const alarmOf = (p) => until(async () =>
	(await alarmsNow()).find((a) => a.tag === p.tag && a.open), `alarm of ${p.tag}`);
async function until(pred, what, ms = 5000) {
	const end = Date.now() + ms;
	for (;;) {
		const v = await pred();
		if (v)
			return v;
		assert.ok(Date.now() < end, `timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 100));
	}
}
const bannerId = (page) => page.getAttribute('#alarm-banner', 'data-alarm-id');
const shortOf = (p) => p.name.split(',')[0];

test('the banner keeps the alarm being handled; others queue; ack acts on the one shown', async () => {
	const page = await openPage(browser, trackd.http + '/#f0');
	await page.waitForSelector('.conn.up', { timeout: 10000 });

	await press(A);
	const a = await alarmOf(A);
	await page.waitForSelector(`#alarm-banner[data-alarm-id="${a.id}"]:not([hidden])`, { timeout: 5000 });
	// The guard works on it: Locate.
	await page.click('#alarm-locate');
	await page.waitForSelector(`.tag.alarm.selected[data-tag="${A.tag}"] .dot`, { timeout: 5000 });

	// A second press: it waits in the queue with its age; the banner stays.
	await press(B);
	const b = await alarmOf(B);
	await page.waitForSelector(`#alarm-list li.open[data-alarm-id="${b.id}"]`, { timeout: 5000 });
	await page.waitForTimeout(1500); // the banner had every chance to flip
	assert.equal(await bannerId(page), String(a.id), 'the banner still shows the first press');
	const queued = `#alarm-queue li[data-alarm-id="${b.id}"]`;
	assert.ok((await page.textContent('#alarm-title')).includes(A.name));
	assert.match(await page.textContent(queued), new RegExp(`${shortOf(B)} · \\d+ s ago`));
	assert.equal(await page.textContent('#alarm-more'), '1 more:');
	assert.ok(await page.isVisible(queued), 'the queue is in sight');
	await shot(page, 'alarms-queue.png');

	// Acknowledge: the one on screen, not the newest.
	await page.fill('#alarm-ack input[name="by"]', 'Sam Responder');
	await page.click('#alarm-ack button[type="submit"]');
	await until(async () => (await alarmsNow()).find((x) => x.id === a.id && !x.open), 'A acknowledged');
	assert.equal((await alarmsNow()).find((x) => x.id === b.id).open, true, 'B is still open');
	// It moves on to the one left.
	await page.waitForSelector(`#alarm-banner[data-alarm-id="${b.id}"]`, { timeout: 5000 });
	assert.match(await page.textContent('#alarm-note'), /acknowledged by Sam Responder/);

	// A third press while B is handled; the guard switches to it explicitly.
	await press(C);
	const c = await alarmOf(C);
	await page.waitForSelector(`#alarm-queue li[data-alarm-id="${c.id}"]`, { timeout: 5000 });
	assert.equal(await bannerId(page), String(b.id));
	await page.click(`#alarm-queue li[data-alarm-id="${c.id}"] button`);
	await page.waitForSelector(`#alarm-banner[data-alarm-id="${c.id}"]`, { timeout: 2000 });
	assert.ok((await page.textContent('#alarm-title')).includes(C.name));
	await page.waitForSelector(`.tag.alarm.selected[data-tag="${C.tag}"] .dot`, { timeout: 5000 });
	await page.waitForSelector(`#alarm-queue li[data-alarm-id="${b.id}"]`, { timeout: 2000 });
	await page.click('#alarm-ack button[type="submit"]');
	await until(async () => (await alarmsNow()).find((x) => x.id === c.id && !x.open), 'C acknowledged');
	assert.equal((await alarmsNow()).find((x) => x.id === b.id).open, true, 'B is still open');
	await page.waitForSelector(`#alarm-banner[data-alarm-id="${b.id}"]`, { timeout: 5000 });
	noErrors(page);
	await page.context().close();
});

test('a dozen open alarms: the floor\'s people and events stay in sight', async () => {
	// B's still open, and eleven more.
	for (const p of PEOPLE.slice(3))
		await press(p);
	const open = await until(async () => {
		const n = (await alarmsNow()).filter((a) => a.open).length;
		return n >= 12 && n;
	}, 'twelve open alarms');
	const page = await openPage(browser, trackd.http + '/#f0');
	await page.waitForSelector('.conn.up', { timeout: 10000 });
	await page.waitForFunction((n) => document.querySelectorAll('#alarm-list li.open').length === n,
		open, { timeout: 5000 });
	await page.waitForSelector('#tag-list .tag-row', { timeout: 5000 });
	const seen = await page.evaluate(() => {
		const inView = (el) => {
			const r = el.getBoundingClientRect();
			return r.height > 0 && r.top >= 0 && r.bottom <= innerHeight;
		};
		const q = document.getElementById('alarm-queue');
		return {
			people: inView(document.querySelector('#tag-list').closest('.card').querySelector('h2')),
			firstPerson: inView(document.querySelector('#tag-list .tag-row')),
			events: inView(document.getElementById('events').closest('.card').querySelector('h2')),
			queueHeight: q?.getBoundingClientRect().height ?? 0,
			scrolled: document.scrollingElement.scrollTop,
			map: document.getElementById('map').getBoundingClientRect().height,
		};
	});
	assert.ok(seen.people && seen.firstPerson, 'the floor\'s people in sight');
	assert.ok(seen.events, 'the events in sight');
	// One in the banner, the others queued under it, in a compact band.
	assert.equal(await page.$$eval('#alarm-queue li', (els) => els.length), open - 1);
	assert.ok(seen.queueHeight < 100, `the queue stays compact (${seen.queueHeight} px)`);
	assert.ok(seen.map > 350, `the map keeps its room (${seen.map} px)`);
	assert.equal(seen.scrolled, 0);
	await shot(page, 'alarms-many.png');
	noErrors(page);
	await page.context().close();
});
