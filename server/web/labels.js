// Labels that stay readable where the map is crowded: tag names placed by
// priority so that none is drawn over another, and zone names in the
// longest form of whole words that fits the zone.

const PAD = 1; // pixels kept clear between two labels

// Where a label may go around its dot (x, y), w by h pixels: its
// top-left corner. The same offsets as the .name rules in style.css.
const SIDES = {
	right: (x, y) => [x + 9, y - 9],
	left: (x, y, w) => [x - 9 - w, y - 9],
	above: (x, y, w, h) => [x - w / 2, y - 10 - h],
	below: (x, y, w) => [x - w / 2, y + 10],
};
const ORDER = Object.keys(SIDES);

// Where each tag's label goes: beside its dot (right, else left, above,
// below), or nowhere (hidden) when every place would overlap a label
// already placed. items: [{id, x, y, w, h, rank, was}], x and y the dot's
// centre in pixels, w and h the label's size, rank lower first, was the
// side it had last time (tried first and preferred among equals, so
// labels do not flicker between updates). Returns Map(id -> side | null).
// Greedy over at most a floor's tags (a hundred or so): cheap enough to
// run on every animation frame while markers move.
export function placeLabels(items) {
	const order = [...items].sort((a, b) => a.rank - b.rank ||
		(b.was ? 1 : 0) - (a.was ? 1 : 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
	const placed = [];
	const out = new Map();
	for (const it of order) {
		let side = null;
		for (const s of it.was ? [it.was, ...ORDER.filter((o) => o !== it.was)] : ORDER) {
			const [x0, y0] = SIDES[s](it.x, it.y, it.w, it.h);
			const box = { x0, y0, x1: x0 + it.w, y1: y0 + it.h };
			if (!placed.some((p) => overlaps(p, box))) {
				placed.push(box);
				side = s;
				break;
			}
		}
		out.set(it.id, side);
	}
	return out;
}

const overlaps = (a, b) => a.x0 < b.x1 + PAD && b.x0 < a.x1 + PAD &&
	a.y0 < b.y1 + PAD && b.y0 < a.y1 + PAD;

// A zone's name from its whole form to its shortest, each made of whole
// words: "Stairs W (ground)", "Stairs W"; "Operating theatre 1", "Theatre
// 1", "Theatre" (a trailing number or letter tells two rooms apart, so
// it goes last); "Emergency & triage", "Emergency". The bracket is dropped first: it
// names the floor, which the map already shows.
export function nameForms(name) {
	const forms = [name];
	const add = (s) => {
		s = s.replace(/(\s+(&|and|of|the|-|\/))+$/i, '').trim();
		if (s && !forms.includes(s))
			forms.push(s);
	};
	const bare = name.replace(/\s*\([^)]*\)/g, '').replace(/\s+/g, ' ').trim();
	add(bare);
	const words = bare.split(' ');
	const id = words.length > 1 && /^(\d+\w?|[A-Z])$/.test(words.at(-1)) ? words.pop() : null;
	if (id) {
		for (let i = 1; i < words.length; i++)
			add(capitalise(words.slice(i).join(' ')) + ' ' + id);
		add(capitalise(words.at(-1))); // "Stairs": which one is on hover
	} else {
		for (let n = words.length - 1; n >= 1; n--)
			add(words.slice(0, n).join(' '));
	}
	return forms;
}

const capitalise = (s) => s.charAt(0).toUpperCase() + s.slice(1);

// The longest of forms no wider than room pixels by measure(text), or ''
// when not even the shortest fits.
export function fittingForm(forms, room, measure) {
	return forms.find((f) => measure(f) <= room) ?? '';
}
