// A real mosquitto broker for the tests, on a free loopback port: a
// password per user (trackd's, tracksim's, one per scanner) and an ACL
// that lets trackd read every reports topic of the site and each
// scanner's user write its own topic only, with persistence so that a
// session (its subscription and the QoS 1 messages waiting for it)
// survives a restart of the broker: for mqtt.test.mjs and pair.test.mjs.
// The ESPresense side too: its nodes' user writes espresense/devices/#,
// trackbridge's reads it and speaks for the site's scanners.
//
// With { tls: true } it listens for mqtts:// only, with a certificate
// from a CA made for it (openssl), which its clients are given.
//
// Environment: MOSQUITTO (the broker, default /usr/sbin/mosquitto); the
// clients mosquitto_pub and mosquitto_passwd on the PATH.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { framesFor, loadSite, now, sleep, tempDir } from './trackd.mjs';

export const MOSQUITTO = process.env.MOSQUITTO || '/usr/sbin/mosquitto';
export const SITE_ID = loadSite().site;
export const TOPIC = (scanner) => `libtrack/${SITE_ID}/reports/${scanner}`;
export const PASSWORD = 'not-a-real-secret';
// Without the broker (scripts/install-deps.sh installs it) a test says it
// was skipped and why.
export const noBroker = !existsSync(MOSQUITTO) &&
	`no mosquitto broker at ${MOSQUITTO}`;

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

export class Broker {
	// A broker's files in a new temporary directory, and the broker
	// started on them.
	static async start(prefix = 'trackd-mqtt-', { tls = false } = {}) {
		const b = new Broker(tempDir(prefix), await freePort(), tls);
		b.writeConfig();
		await b.start();
		return b;
	}

	constructor(dir, port, tls = false) {
		this.dir = dir;
		this.port = port;
		this.tls = tls;
		this.url = `${tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`;
		this.passwordFile = path.join(dir, 'trackd.password');
		this.cafile = path.join(dir, 'ca.pem');
	}

	// A CA and the broker's certificate from it, for 127.0.0.1.
	makeCertificates() {
		const f = (name) => path.join(this.dir, name);
		const ssl = (...args) => execFileSync('openssl', args, { stdio: 'ignore' });
		ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
			'-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '1',
			'-subj', '/CN=libtrack test CA');
		ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
			'-nodes', '-keyout', f('server.key'), '-out', f('server.csr'),
			'-subj', '/CN=127.0.0.1');
		writeFileSync(f('san.ext'), 'subjectAltName=IP:127.0.0.1\n');
		ssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'),
			'-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.pem'),
			'-days', '1', '-extfile', f('san.ext'));
		return [`cafile ${f('ca.pem')}`, `certfile ${f('server.pem')}`,
			`keyfile ${f('server.key')}`];
	}

	writeConfig() {
		const { dir } = this;
		const passwd = path.join(dir, 'passwd');
		const scanners = loadSite().scanners.map((s) => s.id);
		writeFileSync(passwd, '');
		for (const user of ['trackd', 'tracksim', 'trackbridge',
			'espresense', ...scanners])
			execFileSync('mosquitto_passwd', ['-b', passwd, user, PASSWORD]);
		writeFileSync(this.passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
		writeFileSync(path.join(dir, 'acl'), [
			'user trackd',
			`topic read libtrack/${SITE_ID}/reports/+`,
			'',
			// The simulator speaks for every scanner.
			'user tracksim',
			`topic write libtrack/${SITE_ID}/reports/+`,
			'',
			'user espresense',
			'topic write espresense/devices/#',
			'',
			'user trackbridge',
			'topic read espresense/devices/#',
			`topic write libtrack/${SITE_ID}/reports/+`,
			'',
			`pattern write libtrack/${SITE_ID}/reports/%u`,
			'',
		].join('\n'));
		writeFileSync(path.join(dir, 'mosquitto.conf'), [
			`listener ${this.port} 127.0.0.1`,
			...(this.tls ? this.makeCertificates() : []),
			'allow_anonymous false',
			`password_file ${passwd}`,
			`acl_file ${path.join(dir, 'acl')}`,
			// Sessions and queued messages kept across a restart; as
			// root the broker would otherwise switch to a user that
			// cannot write here.
			'persistence true',
			`persistence_location ${dir}/`,
			// Seconds of every scanner's documents wait for trackd
			// while it reconnects (the default 1000 is too few).
			'max_queued_messages 100000',
			`user ${os.userInfo().username}`,
			'log_dest stderr',
			'log_type error',
			'log_type warning',
			'',
		].join('\n'));
	}

	// Start (again) on the same files and port.
	async start() {
		const proc = spawn(MOSQUITTO, ['-c', path.join(this.dir, 'mosquitto.conf')],
			{ stdio: ['ignore', 'ignore', 'pipe'] });
		let err = '';
		proc.stderr.setEncoding('utf8');
		proc.stderr.on('data', (d) => { err += d; });
		this.proc = proc;
		this.exited = new Promise((r) => proc.once('exit', r));
		this.stderr = () => err;
		process.on('exit', () => proc.kill('SIGKILL'));
		const end = Date.now() + 10000;
		for (;;) {
			const ok = await new Promise((resolve) => {
				const s = net.connect(this.port, '127.0.0.1',
					() => { s.end(); resolve(true); });
				s.once('error', () => resolve(false));
			});
			if (ok)
				return;
			if (Date.now() > end)
				throw new Error(`mosquitto did not start\n${err}`);
			await sleep(50);
		}
	}

	// SIGTERM: the broker writes its sessions to disk as it goes.
	async stop() {
		this.proc.kill('SIGTERM');
		await this.exited;
	}

	// trackd's arguments to subscribe here as clientId.
	trackdArgs(clientId = 'trackd-test') {
		return ['--mqtt', this.url, '--mqtt-user', 'trackd',
			'--mqtt-password-file', this.passwordFile,
			'--mqtt-client-id', clientId,
			...(this.tls ? ['--mqtt-cafile', this.cafile] : [])];
	}

	// Publish text on topic as user (QoS 1), as a scanner would; from
	// stdin, which takes a document larger than one argument may be.
	publish(topic, text, { user = topic.split('/').at(-1), retain = false } = {}) {
		const args = ['-h', '127.0.0.1', '-p', String(this.port), '-q', '1',
			'-u', user, '-P', PASSWORD, '-t', topic, '-s'];
		if (retain)
			args.push('-r');
		if (this.tls)
			args.push('--cafile', this.cafile);
		return new Promise((resolve, reject) => {
			const p = execFile('mosquitto_pub', args, (e, stdout, stderr) =>
				(e ? reject(new Error(`mosquitto_pub: ${stderr}`)) : resolve()));
			p.stdin.end(text);
		});
	}

	// Every scanner's document for placements, each on its own topic.
	async publishPlacements(placements, t = now()) {
		const docs = framesFor(placements, t);
		await Promise.all(docs.map((d) => this.publish(TOPIC(d.scanner),
			JSON.stringify(d))));
		return docs;
	}
}
