// A guard's map on a pair of trackd (trackd --peer): a real mosquitto
// broker and a real PostgreSQL server on loopback, tracksim publishing
// every report to the broker, both trackd subscribed and sharing the
// database. The page is opened on A with a token; A is killed with an
// alarm open; the page moves to B by itself and shows B's live positions,
// the same alarm in the banner and the same sign-in, and the guard
// acknowledges it there.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { Broker, noBroker } from '../trackd/broker.mjs';
import { makeToken, startPostgres, until } from '../trackd/trackd.mjs';
import { launch, noErrors, openPage, shot, startOnBroker, startSimOnBroker,
	stopUnlessKilled } from './web.mjs';

const pg = noBroker ? null : startPostgres();
const skip = noBroker ||
	(!pg && 'no PostgreSQL server programs (initdb) installed');
const PRESS = { tag: 'badge-0026', floor: 'f0', x: 14, y: 11 };

let broker, a, b, sim, browser, token;

before(async () => {
	if (skip)
		return;
	broker = await Broker.start('trackd-failover-');
	token = makeToken(pg.url, 'security', 'Guard Ada');
	b = await startOnBroker(broker, pg.url, 'b');
	a = await startOnBroker(broker, pg.url, 'a', ['--peer', `${b.http}/`]);
	a.token = b.token = token;
	sim = startSimOnBroker(broker);
	browser = await launch();
});

after(async () => {
	await browser?.close();
	sim?.kill('SIGTERM');
	await b?.stopClean();
	await stopUnlessKilled(a);
	await broker?.stop();
});

test('A killed with an alarm open: the page is on B within seconds, live, with the alarm and the sign-in', { skip }, async (t) => {
	const page = await openPage(browser, `${a.http}/?token=${token}#f0`);
	// Live frames from each instance, by when they came.
	const frames = [];
	page.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => {
		if (typeof payload === 'string' && payload.startsWith('{"type":"positions"'))
			frames.push({ url: ws.url(), at: Date.now() });
	}));
	await page.waitForSelector('.conn.up', { timeout: 10000 });
	assert.ok(!page.url().includes('token='), 'the token leaves the address bar');
	await until(async () => frames.some((f) => f.url.startsWith(a.ws)), 10000,
		'live positions from A');
	await broker.publishPlacements([{ ...PRESS, button: true }]);
	await page.waitForSelector('#alarm-banner:not([hidden])', { timeout: 5000 });
	const id = await page.getAttribute('#alarm-banner', 'data-alarm-id');
	await until(async () => (await b.get('/api/v1/alarms')).json().alarms
		.some((al) => String(al.id) === id && al.open), 5000, 'the alarm on B');

	await a.kill();
	const killed = Date.now();
	await page.waitForURL((u) => u.href.startsWith(b.http), { timeout: 15000 });
	await page.waitForSelector('.conn.up', { timeout: 10000 });
	const first = await until(async () => frames.find((f) =>
		f.url.startsWith(b.ws) && f.at > killed), 10000, 'live positions from B');
	const took = first.at - killed;
	t.diagnostic(`kill -> the page's first live update from B: ${took} ms`);
	assert.ok(took < 8000, `the page on B after ${took} ms`);
	assert.ok(!page.url().includes('token='), 'the handed-on token is not in the address');
	assert.ok(page.url().endsWith('#f0'), `the floor kept: ${page.url()}`);

	// Still signed in (the token moved with the page), and the alarm in
	// hand is in the banner.
	assert.equal(await page.isVisible('#signin'), false, 'no sign-in asked');
	assert.match(await page.textContent('#who'), /Guard Ada · security/);
	await page.waitForSelector(`#alarm-banner[data-alarm-id="${id}"]:not([hidden])`,
		{ timeout: 5000 });
	await shot(page, 'failover.png');

	await page.fill('#alarm-ack input[name="by"]', 'Guard Ada on B');
	await page.click('#alarm-ack button[type="submit"]');
	await page.waitForSelector(`#alarm-list li.closed[data-alarm-id="${id}"]`, { timeout: 5000 });
	const al = (await b.get('/api/v1/alarms')).json().alarms.find((x) => String(x.id) === id);
	assert.equal(al.open, false);
	assert.equal(al.acked_by, 'Guard Ada on B');
	noErrors(page);
});
