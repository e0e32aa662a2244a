// A distress press, as responders see it: the alarm on two screens within
// 2 s, acknowledged on one and cleared on the other.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launch, noErrors, openPage, shot, startSim, startTrackd } from './web.mjs';

const EVERY_S = 15;
let trackd, sim, browser;

before(async () => {
	trackd = await startTrackd();
	browser = await launch();
});

after(async () => {
	await browser?.close();
	await sim?.stop();
	await trackd?.stopClean();
});

test('a press is an alarm within 2 s on every screen; one acknowledges, all clear', async () => {
	const a = await openPage(browser, trackd.http + '/');
	const b = await openPage(browser, trackd.http + '/');
	for (const p of [a, b])
		await p.waitForSelector('.conn.up', { timeout: 10000 });
	sim = startSim(trackd, ['--button-every', String(EVERY_S)]);
	const m = await sim.waitFor(/tracksim: (\S+) presses the button at (\d+\.\d+)/,
		(EVERY_S + 10) * 1000, 'button press');
	const [, tag, at] = m;
	const pressedMs = Number(at) * 1000;

	const shown = [];
	for (const p of [a, b]) {
		await p.waitForSelector('#alarm-banner:not([hidden])', { timeout: 5000 });
		shown.push(Number(await p.getAttribute('#alarm-banner', 'data-shown')));
	}
	for (const s of shown)
		assert.ok(s - pressedMs <= 2000, `shown ${s - pressedMs} ms after the press`);
	const id = await a.getAttribute('#alarm-banner', 'data-alarm-id');
	assert.equal(await b.getAttribute('#alarm-banner', 'data-alarm-id'), id);
	const alarm = (await trackd.get('/api/v1/alarms')).json().alarms.find((x) => String(x.id) === id);
	assert.equal(alarm.tag, tag);
	// Who, and where: the banner names the person and the floor.
	const text = await a.textContent('#alarm-banner');
	assert.ok(text.includes(alarm.name), `${alarm.name} in: ${text}`);
	await a.waitForFunction(() => /floor/.test(document.getElementById('alarm-where').textContent),
		null, { timeout: 5000 });
	await shot(a, 'alarm.png');

	// Locate: the map goes to the person's floor and selects them.
	await a.click('#alarm-locate');
	await a.waitForSelector(`.tag.alarm.selected[data-tag="${tag}"] .dot`, { timeout: 5000 });

	await a.fill('#alarm-ack input[name="by"]', 'Sam Responder');
	await a.click('#alarm-ack button[type="submit"]');
	for (const p of [a, b]) {
		await p.waitForSelector(`#alarm-list li.closed[data-alarm-id="${id}"]`, { timeout: 5000 });
		await p.waitForFunction((x) => {
			const ban = document.getElementById('alarm-banner');
			return ban.hidden || ban.dataset.alarmId !== x;
		}, id, { timeout: 5000 });
	}
	assert.match(await b.textContent(`#alarm-list li[data-alarm-id="${id}"]`),
		/acknowledged by Sam Responder/);
	const acked = (await trackd.get('/api/v1/alarms')).json().alarms.find((x) => String(x.id) === id);
	assert.equal(acked.open, false);
	noErrors(a);
	noErrors(b);
});
