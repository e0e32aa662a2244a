// The failover time of a pair (README, "How it grows"): a real mosquitto
// broker and PostgreSQL on loopback, tracksim publishing to the broker, B
// running, and TRIES times: A started with --peer B, the page opened on A
// in headless Chromium with a token, A killed with SIGKILL, and the time
// from the kill to the page's first live update from B. The page's own
// timings (2 s of stream down before it looks, a probe every second) are
// most of it.
//
// usage: node --experimental-websocket bench/bench-failover.mjs
//        (from the repository root; TRACKD, TRACKSIM, TRIES (10))
// Output: "name value unit" lines; lines starting with '#' are context.
import { Broker, noBroker } from '../tests/trackd/broker.mjs';
import { makeToken, startPostgres, until } from '../tests/trackd/trackd.mjs';
import { launch, openPage, startOnBroker, startSimOnBroker }
	from '../tests/web/web.mjs';

const TRIES = Number(process.env.TRIES || 10);
// The "within a few seconds", as a number.
const TARGET_MS = 5000;

const pg = noBroker ? null : startPostgres();
if (!pg) {
	console.log('# bench-failover: skipped (no mosquitto or no PostgreSQL)');
	process.exit(0);
}
const broker = await Broker.start('bench-failover-');
const token = makeToken(pg.url, 'security', 'bench');
const instance = async (name, extra = []) => {
	const t = await startOnBroker(broker, pg.url, name, extra);
	t.token = token;
	return t;
};
const b = await instance('b');
const sim = startSimOnBroker(broker);
const browser = await launch();

const took = [];
try {
	for (let i = 0; i < TRIES; i++) {
		const a = await instance(`a${i}`, ['--peer', `${b.http}/`]);
		const page = await openPage(browser, `${a.http}/?token=${token}#f0`);
		const fromB = [];
		page.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => {
			if (ws.url().startsWith(b.ws) && typeof payload === 'string' &&
			    payload.startsWith('{"type":"positions"'))
				fromB.push(Date.now());
		}));
		await page.waitForSelector('.conn.up', { timeout: 10000 });
		await a.kill();
		const killed = Date.now();
		const first = await until(async () => fromB.find((at) => at > killed),
			15000, 'live positions from B');
		took.push(first - killed);
		console.log(`# try ${i + 1}: ${first - killed} ms`);
		await page.close();
	}
} finally {
	await browser.close();
	sim.kill('SIGTERM');
	await b.stopClean();
	await broker.stop();
}

took.sort((x, y) => x - y);
const at = (q) => took[Math.min(took.length - 1, Math.floor(q * took.length))];
const verdict = (v) => (v <= TARGET_MS ? 'met' : 'MISSED');
console.log(`# ${TRIES} tries; target: the page live on B within ${TARGET_MS} ms of the kill`);
console.log(`failover_ms_min ${took[0]} ms`);
console.log(`failover_ms_p50 ${at(0.5)} ms (target <= ${TARGET_MS}: ${verdict(at(0.5))})`);
console.log(`failover_ms_max ${took.at(-1)} ms (target <= ${TARGET_MS}: ${verdict(took.at(-1))})`);
