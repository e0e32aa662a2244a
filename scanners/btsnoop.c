/* btsnoop: HCI events out of a btsnoop capture (see btsnoop.h). */
#include "btsnoop.h"

#include <errno.h>
#include <string.h>

#define MONITOR_EVENT 3   /* btmon's opcode for an HCI event packet */
#define H4_EVENT 0x04

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint64_t
be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

const char *
btsnoop_header(const uint8_t h[16], uint32_t *datalink)
{
	uint32_t dl;

	if (memcmp(h, "btsnoop\0", 8) != 0)
		return "not a btsnoop file (no \"btsnoop\" signature)";
	if (be32(h + 8) != 1)
		return "unsupported btsnoop version (expected 1)";
	dl = be32(h + 12);
	if (dl != BTSNOOP_H4 && dl != BTSNOOP_MONITOR)
		return "unsupported datalink (expected 1002 HCI UART or "
		       "2001 Linux monitor)";
	*datalink = dl;
	return NULL;
}

int
btsnoop_open(struct btsnoop *b, const char *path, char *err, size_t errlen)
{
	uint8_t h[16];
	const char *why;

	memset(b, 0, sizeof *b);
	b->path = path;
	b->fp = fopen(path, "rb");
	if (!b->fp) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fread(h, 1, sizeof h, b->fp) != sizeof h) {
		snprintf(err, errlen, "%s: shorter than a btsnoop header",
			 path);
		goto fail;
	}
	why = btsnoop_header(h, &b->datalink);
	if (why) {
		snprintf(err, errlen, "%s: %s", path, why);
		goto fail;
	}
	return 0;
fail:
	fclose(b->fp);
	b->fp = NULL;
	return -1;
}

int
btsnoop_next_event(struct btsnoop *b, const uint8_t **ev, size_t *len,
		   int64_t *t_us, char *err, size_t errlen)
{
	uint8_t h[24];

	for (;;) {
		size_t got = fread(h, 1, sizeof h, b->fp);
		uint32_t incl, flags;
		uint64_t ts;

		if (got == 0 && feof(b->fp))
			return 0;
		if (got != sizeof h) {
			snprintf(err, errlen, "%s: record %llu: cut short "
				 "(%zu of 24 header bytes)", b->path,
				 b->records + 1, got);
			return -1;
		}
		b->records++;
		incl = be32(h + 4);
		flags = be32(h + 8);
		ts = be64(h + 16);
		if (incl > be32(h)) {
			snprintf(err, errlen, "%s: record %llu: included "
				 "length %u exceeds the original %u", b->path,
				 b->records, incl, be32(h));
			return -1;
		}
		if (incl > sizeof b->buf) {
			b->skipped++;
			if (fseek(b->fp, (long)incl, SEEK_CUR) != 0) {
				snprintf(err, errlen, "%s: record %llu: %s",
					 b->path, b->records, strerror(errno));
				return -1;
			}
			continue;
		}
		if (fread(b->buf, 1, incl, b->fp) != incl) {
			snprintf(err, errlen, "%s: record %llu: cut short "
				 "(%u data bytes expected)", b->path,
				 b->records, incl);
			return -1;
		}
		*t_us = (int64_t)(ts - BTSNOOP_UNIX_EPOCH);
		if (b->datalink == BTSNOOP_MONITOR) {
			if ((flags & 0xffff) != MONITOR_EVENT) {
				b->skipped++;
				continue;
			}
			*ev = b->buf;
			*len = incl;
			return 1;
		}
		if (incl < 1 || b->buf[0] != H4_EVENT) {
			b->skipped++;
			continue;
		}
		*ev = b->buf + 1;
		*len = incl - 1;
		return 1;
	}
}

void
btsnoop_close(struct btsnoop *b)
{
	if (b->fp)
		fclose(b->fp);
	b->fp = NULL;
}
