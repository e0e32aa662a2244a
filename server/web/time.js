// Times as <input type="datetime-local"> wants them (local, no zone) and
// back to Unix seconds.
const pad = (n) => String(n).padStart(2, '0');

export function toLocalInput(unix) {
	const d = new Date(unix * 1000);
	return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
		`T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export const fromLocalInput = (s) => new Date(s).getTime() / 1000;

export const nowS = () => Date.now() / 1000;
