// Processes for the scanner tests: trackd on a chosen port (to restart it
// on the same one), the scanner programs, and a mosquitto broker.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { ROOT, SITE, TRACKD, WEB, sleep } from '../trackd/trackd.mjs';

export const BUILD = path.resolve(ROOT, process.env.BUILD_DIR || 'build');
export const TRACKSCAN = process.env.TRACKSCAN ||
	path.join(BUILD, 'scanners', 'trackscan');
export const TRACKBRIDGE = process.env.TRACKBRIDGE ||
	path.join(BUILD, 'scanners', 'trackbridge');
export const MOSQUITTO = process.env.MOSQUITTO || '/usr/sbin/mosquitto';

const running = new Set();
process.on('exit', () => {
	for (const p of running)
		p.kill('SIGKILL');
});

export function tempDir(prefix) {
	const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
	process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
	return dir;
}

export async function freePort() {
	for (;;) {
		const port = 20000 + Math.floor(Math.random() * 20000);
		const ok = await new Promise((resolve) => {
			const s = net.createServer();
			s.once('error', () => resolve(false));
			s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
		});
		if (ok)
			return port;
	}
}

// A running program: its output so far, its exit, and stop/kill.
export function run(cmd, args, opts = {}) {
	const proc = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
		...opts });
	const p = { proc, stdout: '', stderr: '' };
	running.add(proc);
	proc.stdout.setEncoding('utf8');
	proc.stderr.setEncoding('utf8');
	proc.stdout.on('data', (d) => { p.stdout += d; });
	proc.stderr.on('data', (d) => { p.stderr += d; });
	p.exited = new Promise((resolve) => proc.once('close', (code, signal) => {
		running.delete(proc);
		resolve({ code, signal });
	}));
	p.kill = (sig = 'SIGTERM') => { proc.kill(sig); return p.exited; };
	// Until text appears on stdout or stderr (or the timeout).
	p.waitFor = async (re, ms = 10000) => {
		const end = Date.now() + ms;
		while (!re.test(p.stdout + p.stderr)) {
			if (Date.now() > end)
				throw new Error(`${path.basename(cmd)}: no ${re} within ${ms} ms` +
					`\nstdout:\n${p.stdout}\nstderr:\n${p.stderr}`);
			await sleep(50);
		}
	};
	return p;
}

// Runs to the end: {code, signal, stdout, stderr}; opts as spawn's.
export async function runToEnd(cmd, args, ms = 30000, opts = {}) {
	const p = run(cmd, args, opts);
	const timer = setTimeout(() => p.proc.kill('SIGKILL'), ms);
	const st = await p.exited;
	clearTimeout(timer);
	return { ...st, stdout: p.stdout, stderr: p.stderr };
}

// trackd on port (--tick-ms 200 so positions follow quickly).
export async function trackdOn(port, extra = []) {
	const p = run(TRACKD, ['--site', SITE, '--port', String(port), '--web', WEB,
		'--tick-ms', '200', ...extra]);
	await p.waitFor(/trackd: listening on/);
	p.port = port;
	p.http = `http://127.0.0.1:${port}`;
	p.ws = `ws://127.0.0.1:${port}/`;
	// p.token, when a test sets one, goes with every request.
	p.get = async (u) => {
		const res = await fetch(p.http + u,
			{ headers: p.token ? { authorization: `Bearer ${p.token}` } : {} });
		const text = await res.text();
		return { status: res.status, text, json: () => JSON.parse(text) };
	};
	p.metric = async (name) => {
		const { text } = await p.get('/metrics');
		const line = text.split('\n').find((l) => l.startsWith(name + ' '));
		return line ? Number(line.slice(name.length + 1)) : NaN;
	};
	p.waitLocated = async (tag, ms = 5000) => {
		const end = Date.now() + ms;
		for (;;) {
			const res = await p.get(`/api/v1/tags/${encodeURIComponent(tag)}`);
			if (res.status === 200)
				return res.json();
			if (Date.now() > end)
				throw new Error(`${tag} not located within ${ms} ms: ${res.text}`);
			await sleep(100);
		}
	};
	return p;
}

// A mosquitto broker on a loopback port, from a config file written here.
export async function mosquitto(port) {
	const dir = tempDir('mosquitto-');
	port ??= await freePort();
	const conf = path.join(dir, 'mosquitto.conf');
	writeFileSync(conf, [
		`listener ${port} 127.0.0.1`,
		'allow_anonymous true',
		'persistence false',
		'log_dest stderr',
		'log_type error',
		'log_type warning',
		'log_type notice',
		'',
	].join('\n'));
	const p = run(MOSQUITTO, ['-c', conf]);
	const end = Date.now() + 10000;
	for (;;) {
		const ok = await new Promise((resolve) => {
			const s = net.connect(port, '127.0.0.1', () => { s.end(); resolve(true); });
			s.once('error', () => resolve(false));
		});
		if (ok)
			break;
		if (Date.now() > end)
			throw new Error(`mosquitto did not start\n${p.stderr}`);
		await sleep(50);
	}
	p.port = port;
	return p;
}
