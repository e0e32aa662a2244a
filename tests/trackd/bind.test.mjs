// Where trackd listens: the loopback address unless --bind (or "bind" in
// --config) gives another, and the start line names the address bound.
import assert from 'node:assert/strict';
import net from 'node:net';
import os from 'node:os';
import { test } from 'node:test';

import { startTrackd } from './trackd.mjs';

// This machine's first address that is not loopback, or null.
function outsideAddress() {
	for (const list of Object.values(os.networkInterfaces()))
		for (const a of list ?? [])
			if (a.family === 'IPv4' && !a.internal)
				return a.address;
	return null;
}

// Whether a TCP connection to host:port is taken.
function reachable(host, port) {
	return new Promise((resolve) => {
		const s = net.connect({ host, port });
		s.setTimeout(2000);
		s.once('connect', () => { s.destroy(); resolve(true); });
		s.once('error', () => resolve(false));
		s.once('timeout', () => { s.destroy(); resolve(false); });
	});
}

const outside = outsideAddress();

test('by default trackd listens on loopback only, and says so', { skip: !outside &&
	'no address other than loopback on this machine' }, async () => {
	const trackd = await startTrackd();
	try {
		assert.match(trackd.line, /listening on http:\/\/127\.0\.0\.1:\d+\//);
		assert.equal(await reachable('127.0.0.1', trackd.port), true);
		assert.equal(await reachable(outside, trackd.port), false,
			`not reachable on ${outside}`);
	} finally {
		await trackd.stopClean();
	}
});

test('--bind "*": every interface, and the start line says so', { skip: !outside &&
	'no address other than loopback on this machine' }, async () => {
	const trackd = await startTrackd(['--bind', '*']);
	try {
		assert.match(trackd.stdout(),
			/listening on http:\/\/0\.0\.0\.0:\d+\/ \(every interface\) site /);
		assert.equal(await reachable(outside, trackd.port), true,
			`reachable on ${outside}`);
	} finally {
		await trackd.stopClean();
	}
});

test('--bind with something that is not an address: a clear error', async () => {
	await assert.rejects(startTrackd(['--bind', 'eth0']),
		/--bind: expected an IPv4 or IPv6 address, or \* for every interface, got 'eth0'/);
});
