/* bench-adv: advertisements parsed per second (scanners/adv.c), with the
 * allow-list, and heap allocations per advertisement.
 *
 * The advertisements are a fixed mix built here byte by byte, as a busy
 * ward's scanner hears them: iBeacon (40%), Eddystone UID (15%) and TLM
 * (5%), AltBeacon (10%), phones and other devices known only by address
 * (30%); a fifth arrive as extended reports.  Each has its own address,
 * so nothing is cached.  All are built before the clock starts.
 *
 * Output: one line per metric, "name value unit"; lines starting with '#'
 * are context.  `bench-adv --write-btsnoop FILE N` instead writes N of
 * these advertisements as a btsnoop capture, for bench-trackscan.sh to
 * replay through the whole agent.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adv.h"
#include "btsnoop.h"

#include "alloc-count.h"

#define POOL 4096
#define EVENT_MAX 264

struct event {
	uint8_t b[EVENT_MAX];
	size_t n;
};

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static size_t
put(uint8_t *p, const uint8_t *src, size_t n)
{
	memcpy(p, src, n);
	return n;
}

/* Advertising data of one kind into ad; its length. */
static size_t
make_ad(uint8_t *ad, unsigned kind, uint32_t id)
{
	static const uint8_t uuid[16] = { 0xf7, 0x82, 0x6d, 0xa6, 0x4f, 0xa2,
		0x4e, 0x98, 0x80, 0x24, 0xbc, 0x5b, 0x71, 0xe0, 0x89, 0x3e };
	size_t n = 0;

	switch (kind) {
	case 0:  /* iBeacon */
		n += put(ad + n, (const uint8_t[]){ 0x02, 0x01, 0x06, 0x1a, 0xff,
					  0x4c, 0x00, 0x02, 0x15 }, 9);
		n += put(ad + n, uuid, 16);
		ad[n++] = (uint8_t)(id >> 24);
		ad[n++] = (uint8_t)(id >> 16);
		ad[n++] = (uint8_t)(id >> 8);
		ad[n++] = (uint8_t)id;
		ad[n++] = 0xc5;
		break;
	case 1:  /* Eddystone UID */
		n += put(ad + n, (const uint8_t[]){ 0x03, 0x03, 0xaa, 0xfe, 0x17,
					  0x16, 0xaa, 0xfe, 0x00, 0xee }, 10);
		for (int i = 0; i < 16; i++)
			ad[n++] = (uint8_t)(id >> (i % 4 * 8));
		ad[n++] = 0;
		ad[n++] = 0;
		break;
	case 2:  /* Eddystone TLM */
		n += put(ad + n, (const uint8_t[]){ 0x03, 0x03, 0xaa, 0xfe, 0x11,
					  0x16, 0xaa, 0xfe, 0x20, 0x00, 0x0b, 0xb8,
					  0x16, 0, 0, 0, 0, 9, 0, 0, 0, 7 }, 22);
		break;
	case 3:  /* AltBeacon */
		n += put(ad + n, (const uint8_t[]){ 0x1b, 0xff, 0x18, 0x01, 0xbe,
					  0xac }, 6);
		for (int i = 0; i < 20; i++)
			ad[n++] = (uint8_t)(id >> (i % 4 * 8));
		ad[n++] = 0xc3;
		ad[n++] = 0;
		break;
	default: /* a phone: flags, a 16-bit service list, a name */
		n += put(ad + n, (const uint8_t[]){ 0x02, 0x01, 0x1a, 0x03, 0x03,
					  0x6f, 0xfd, 0x06, 0x09, 'P', 'h', 'o',
					  'n', 'e' }, 14);
		break;
	}
	return n;
}

static void
make_event(struct event *e, uint32_t id)
{
	uint32_t r = next() % 100;
	unsigned kind = r < 40 ? 0 : r < 55 ? 1 : r < 60 ? 2 : r < 70 ? 3 : 4;
	bool ext = next() % 5 == 0;
	uint8_t ad[64];
	size_t n = make_ad(ad, kind, id), k = 0;
	int8_t rssi = (int8_t)(-40 - (int)(next() % 55));

	e->b[k++] = 0x3e;
	e->b[k++] = 0;
	e->b[k++] = ext ? 0x0d : 0x02;
	e->b[k++] = 1;
	if (ext) {
		e->b[k++] = 0x10;
		e->b[k++] = 0x00;
	} else {
		e->b[k++] = 0x03;
	}
	e->b[k++] = ext ? 1 : 0;
	for (int i = 0; i < 6; i++)
		e->b[k++] = (uint8_t)(id >> (i % 4 * 8)) ^ (uint8_t)i;
	if (ext) {
		k += put(e->b + k, (const uint8_t[]){ 0x01, 0x00, 0xff, 0x7f },
			 4);
		e->b[k++] = (uint8_t)rssi;
		memset(e->b + k, 0, 9);
		k += 9;
		e->b[k++] = (uint8_t)n;
		k += put(e->b + k, ad, n);
	} else {
		e->b[k++] = (uint8_t)n;
		k += put(e->b + k, ad, n);
		e->b[k++] = (uint8_t)rssi;
	}
	e->b[1] = (uint8_t)(k - 2);
	e->n = k;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void
be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* n advertisements, 1 ms apart from now, as btmon writes them. */
static int
write_btsnoop(const char *path, long n)
{
	FILE *fp = fopen(path, "wb");
	uint8_t h[24];
	struct timespec ts;
	uint64_t t;

	if (!fp) {
		perror(path);
		return 1;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	t = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u +
	    BTSNOOP_UNIX_EPOCH;
	memcpy(h, "btsnoop\0", 8);
	be32(h + 8, 1);
	be32(h + 12, BTSNOOP_MONITOR);
	fwrite(h, 1, 16, fp);
	for (long i = 0; i < n; i++, t += 1000) {
		struct event e;

		make_event(&e, (uint32_t)(i % 5000));
		be32(h, (uint32_t)e.n);
		be32(h + 4, (uint32_t)e.n);
		be32(h + 8, 3);  /* btmon: HCI event */
		be32(h + 12, 0);
		be32(h + 16, (uint32_t)(t >> 32));
		be32(h + 20, (uint32_t)t);
		fwrite(h, 1, 24, fp);
		fwrite(e.b, 1, e.n, fp);
	}
	if (fclose(fp) != 0) {
		perror(path);
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static struct event pool[POOL];
	static const uint8_t press[1][16] = { { 0xcd, 0xca, 0x0d, 0x93 } };
	struct adv_config cfg = { .press_uuids = press, .n_press = 1 };
	struct adv_stats st = { 0 };
	struct adv_report out[ADV_MAX_REPORTS];
	const long rounds = 2000;
	unsigned long long reports = 0, allocs;
	double t0, dt;
	size_t n;

	if (argc == 4 && strcmp(argv[1], "--write-btsnoop") == 0)
		return write_btsnoop(argv[2], atol(argv[3]));
	if (argc != 1) {
		fprintf(stderr, "usage: bench-adv [--write-btsnoop FILE N]\n");
		return 2;
	}
	for (size_t i = 0; i < POOL; i++)
		make_event(&pool[i], (uint32_t)i);
	/* Warm up, then time rounds over the pool. */
	for (size_t i = 0; i < POOL; i++)
		adv_parse_event(pool[i].b, pool[i].n, &cfg, out, &n, &st);
	alloc_count_arm();
	t0 = now_s();
	for (long r = 0; r < rounds; r++) {
		for (size_t i = 0; i < POOL; i++) {
			adv_parse_event(pool[i].b, pool[i].n, &cfg, out, &n,
					&st);
			reports += n;
		}
	}
	dt = now_s() - t0;
	allocs = alloc_count_disarm();
	printf("# %ld x %d advertisements (iBeacon, Eddystone UID/TLM, "
	       "AltBeacon, address only; a fifth extended), %llu decoded\n",
	       rounds, POOL, reports);
	printf("%-34s %-14.0f %s\n", "adv_parsed_per_s",
	       (double)rounds * POOL / dt, "advertisements/s");
	printf("%-34s %-14.3g %s\n", "adv_parse_ns",
	       dt * 1e9 / ((double)rounds * POOL), "ns");
	printf("%-34s %-14.3g %s\n", "adv_allocs_per_adv",
	       alloc_count_works() ? (double)allocs / ((double)rounds * POOL) :
				     NAN, "allocations");
	return reports == (unsigned long long)rounds * POOL ? 0 : 1;
}
