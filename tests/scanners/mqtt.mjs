// A minimal MQTT 3.1.1 client (CONNECT, PUBLISH at QoS 0, SUBSCRIBE), in
// the bytes of the OASIS standard, for the bridge tests: it publishes as
// ESPresense nodes do and reads what the bridge publishes back.
import net from 'node:net';

function varint(n) {
	const out = [];
	do {
		let b = n % 128;
		n = Math.floor(n / 128);
		if (n > 0)
			b |= 0x80;
		out.push(b);
	} while (n > 0);
	return Buffer.from(out);
}

const str = (s) => {
	const b = Buffer.from(s, 'utf8');
	return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
};

const packet = (first, body) => Buffer.concat([Buffer.from([first]),
	varint(body.length), body]);

export class Mqtt {
	static connect(port, clientId = `test-${process.pid}-${Math.random()}`) {
		return new Promise((resolve, reject) => {
			const sock = net.connect(port, '127.0.0.1');
			const c = new Mqtt(sock);
			sock.once('error', reject);
			c.onConnack = () => resolve(c);
			sock.on('connect', () => sock.write(packet(0x10, Buffer.concat([
				str('MQTT'), Buffer.from([4, 0x02, 0, 60]), str(clientId)]))));
		});
	}

	constructor(sock) {
		this.sock = sock;
		this.buf = Buffer.alloc(0);
		this.messages = [];   // {topic, payload (string), retain}
		this.nextId = 1;
		sock.on('data', (d) => this.data(d));
	}

	data(d) {
		this.buf = Buffer.concat([this.buf, d]);
		for (;;) {
			if (this.buf.length < 2)
				return;
			let len = 0, mul = 1, i = 1, b;
			do {
				if (i >= this.buf.length)
					return;
				b = this.buf[i++];
				len += (b & 0x7f) * mul;
				mul *= 128;
			} while (b & 0x80);
			if (this.buf.length < i + len)
				return;
			const type = this.buf[0] >> 4, flags = this.buf[0] & 15;
			const body = this.buf.subarray(i, i + len);
			this.buf = this.buf.subarray(i + len);
			if (type === 2)
				this.onConnack?.();
			else if (type === 3) {
				const tl = body.readUInt16BE(0);
				const topic = body.subarray(2, 2 + tl).toString('utf8');
				const off = 2 + tl + ((flags >> 1) & 3 ? 2 : 0);
				this.messages.push({ topic, retain: !!(flags & 1),
					payload: body.subarray(off).toString('utf8') });
			}
		}
	}

	publish(topic, payload, retain = false) {
		const p = typeof payload === 'string' ? payload : JSON.stringify(payload);
		this.sock.write(packet(0x30 | (retain ? 1 : 0),
			Buffer.concat([str(topic), Buffer.from(p, 'utf8')])));
	}

	subscribe(filter) {
		const id = this.nextId++;
		this.sock.write(packet(0x82, Buffer.concat([
			Buffer.from([id >> 8, id & 0xff]), str(filter), Buffer.from([0])])));
	}

	close() {
		this.sock.write(Buffer.from([0xe0, 0x00]));
		this.sock.end();
	}
}
