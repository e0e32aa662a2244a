/*
 * btsnoop: reads the HCI events out of a btsnoop capture (RFC 1761's
 * snoop format as Bluetooth tools write it: `btmon -w`, Android's HCI
 * snoop log), so trackscan runs without a radio.
 *
 * File: "btsnoop\0", version (4, big-endian, 1), datalink (4): 1002 HCI
 * UART (H4: each packet starts with its type, 0x04 for an event) or 2001
 * Linux monitor (btmon: the packet type is the opcode in the record's
 * flags, 3 for an event).  Then records: original length (4), included
 * length (4), flags (4), cumulative drops (4), timestamp (8, microseconds
 * since 0000-01-01), and the included bytes.  All big-endian.
 */
#ifndef BTSNOOP_H
#define BTSNOOP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define BTSNOOP_H4 1002
#define BTSNOOP_MONITOR 2001

/* btsnoop time of the Unix epoch, microseconds. */
#define BTSNOOP_UNIX_EPOCH 0x00dcddb30f2f8000ULL

/* An HCI event is at most 2 + 255 bytes; records larger than this are
 * not events and are skipped. */
#define BTSNOOP_MAX_RECORD 1024

struct btsnoop {
	FILE *fp;
	const char *path;
	uint32_t datalink;
	unsigned long long records, skipped;
	uint8_t buf[BTSNOOP_MAX_RECORD];
};

/* Checks the 16-byte file header; its datalink into *datalink.  Returns
 * NULL, or why the file cannot be read. */
const char *btsnoop_header(const uint8_t h[16], uint32_t *datalink);

/* Opens path (kept, not copied).  Returns 0, or -1 after writing why into
 * err. */
int btsnoop_open(struct btsnoop *b, const char *path, char *err,
		 size_t errlen);

/* The next HCI event in the file: its bytes (event code first, valid
 * until the next call) and time (Unix microseconds).  Returns 1, 0 at the
 * end, or -1 after writing why into err (a cut or corrupt record). */
int btsnoop_next_event(struct btsnoop *b, const uint8_t **ev, size_t *len,
		       int64_t *t_us, char *err, size_t errlen);

void btsnoop_close(struct btsnoop *b);

#endif /* BTSNOOP_H */
