// MQTT for the bridge tests through Mosquitto's own clients (Debian
// package mosquitto-clients): mosquitto_pub publishes as ESPresense nodes
// do; one mosquitto_sub per subscription reads what the bridge publishes.
import { spawn, spawnSync } from 'node:child_process';

export class Mqtt {
	static async connect(port) {
		return new Mqtt(port);
	}

	constructor(port) {
		this.port = port;
		this.messages = [];
		this.subs = [];
	}

	// payload: a string, or an object sent as JSON. QoS 0, as ESPresense.
	publish(topic, payload, retain = false) {
		const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
		const args = ['-h', '127.0.0.1', '-p', String(this.port), '-t', topic,
			'-m', text];
		if (retain)
			args.push('-r');
		const r = spawnSync('mosquitto_pub', args, { encoding: 'utf8' });
		if (r.status !== 0)
			throw new Error(`mosquitto_pub ${topic}: ${r.stderr || r.error}`);
	}

	// Every message on filter from now on lands in this.messages as
	// { topic, payload } (payload as text). Resolves once subscribed: a
	// probe published under the filter has come back.
	async subscribe(filter) {
		const p = spawn('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(this.port),
			'-t', filter, '-v'], { stdio: ['ignore', 'pipe', 'pipe'] });
		this.subs.push(p);
		let buf = '';
		p.stdout.setEncoding('utf8');
		p.stdout.on('data', (d) => {
			buf += d;
			let nl;
			while ((nl = buf.indexOf('\n')) >= 0) {
				const line = buf.slice(0, nl);
				buf = buf.slice(nl + 1);
				const sp = line.indexOf(' ');
				if (sp > 0)
					this.messages.push({ topic: line.slice(0, sp),
						payload: line.slice(sp + 1) });
			}
		});
		const probe = filter.replace(/#$/, '').replace(/\+/g, 'x') +
			`probe-${process.pid}-${Math.random().toString(36).slice(2)}`;
		const until = Date.now() + 5000;
		while (!this.messages.some((m) => m.topic === probe)) {
			if (Date.now() > until)
				throw new Error(`mosquitto_sub ${filter}: not subscribed after 5 s`);
			this.publish(probe, 'probe');
			await new Promise((r) => setTimeout(r, 100));
		}
		this.messages = this.messages.filter((m) => !m.topic.includes('probe-'));
	}

	close() {
		for (const p of this.subs)
			p.kill();
		this.subs = [];
	}
}
