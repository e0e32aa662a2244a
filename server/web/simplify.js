// A stored track drawn as the path a person walked, not the fixes' jitter.
//
// Each stored position is uncertain by about its radius r (1 to 2 m in a
// building with a scanner every room or two), and a still or slow tag's
// fixes wander within that disc. Drawn raw, ten minutes of them are a
// tangle of zigzags no wider than that uncertainty. Douglas–Peucker keeps
// a point only where leaving it out would move the line by more than the
// tolerance: detours smaller than what the fixes can tell apart go, turns
// into a room or a corridor stay.
export const PATH_TOLERANCE_M = 1.5;

// Distance from p to the segment a-b (all {x, y}, metres).
function offSegment(p, a, b) {
	const dx = b.x - a.x, dy = b.y - a.y;
	const len2 = dx * dx + dy * dy;
	let k = len2 ? ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2 : 0;
	k = Math.max(0, Math.min(1, k));
	return Math.hypot(p.x - (a.x + k * dx), p.y - (a.y + k * dy));
}

// The points of pts (kept in order, the first and last always) that
// Douglas–Peucker keeps at tolerance tol. Iterative, so a long track
// cannot overflow the stack.
export function simplifyPath(pts, tol = PATH_TOLERANCE_M) {
	if (pts.length <= 2)
		return pts.slice();
	const keep = new Uint8Array(pts.length);
	keep[0] = keep[pts.length - 1] = 1;
	const stack = [[0, pts.length - 1]];
	while (stack.length) {
		const [i, j] = stack.pop();
		let worst = -1, at = -1;
		for (let k = i + 1; k < j; k++) {
			const d = offSegment(pts[k], pts[i], pts[j]);
			if (d > worst) {
				worst = d;
				at = k;
			}
		}
		if (worst > tol) {
			keep[at] = 1;
			stack.push([i, at], [at, j]);
		}
	}
	return pts.filter((_, k) => keep[k]);
}
