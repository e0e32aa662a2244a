/*
 * trackscan: what its files share (internal to trackscan).
 *
 *   trackscan.c       main: the event loop, reports, batches, output
 *   trackscan-opts.c  options, --help, and the allow-list filter
 *   trackscan-hci.c   the adapter: LE scanning through a raw HCI socket
 *   adv.c             HCI advertising reports to tag reports (pure)
 *   btsnoop.c         --replay: HCI events out of a capture file
 */
#ifndef TRACKSCAN_H
#define TRACKSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "adv.h"
#include "ingest-client.h"

#define EXIT_USAGE 2

struct filter {
	uint8_t (*uuids)[16];   /* iBeacon proximity UUIDs */
	size_t n_uuids;
	const char **prefixes;  /* tag id prefixes, lower case */
	size_t n_prefixes;
	uint8_t (*macs)[6];     /* device addresses */
	size_t n_macs;
};

struct scan_opts {
	const char *server;
	const char *token;
	const char *token_file;
	/* --mqtt...: published to the broker instead, on
	 * libtrack/<site>/reports/<scanner>. */
	struct ingest_mqtt_opts mqtt;
	const char *site;       /* the site file's id (with --mqtt) */
	const char *scanner;
	const char *adapter;    /* "hci0"; NULL: the first one */
	const char *replay;
	bool print;
	bool realtime;
	bool legacy;            /* never extended scanning */
	bool quiet;
	long batch_ms;
	long buffer;            /* reports kept while trackd is away */
	double drain_s;
	struct filter filter;
	uint8_t (*press)[16];   /* Kontakt.io button tags' UUIDs */
	size_t n_press;
};

/* Parses argv into *o.  Returns 0 to run, -1 after --help, or the exit
 * status after printing why not. */
int scan_opts_parse(int argc, char **argv, struct scan_opts *o);
void scan_opts_free(struct scan_opts *o);

/* Whether r passes the allow-list (everything does when it is empty). */
bool filter_pass(const struct filter *f, const struct adv_report *r);

/* The adapter. */
struct hci;

/* Opens the adapter (NULL: the first) and starts a passive LE scan with
 * duplicate filtering off, extended when the controller has it and legacy
 * is false.  Returns 0, or -1 after printing what is missing (no adapter,
 * no permission, adapter down or busy) and how to fix it. */
int hci_start(const char *adapter, bool legacy, bool quiet, struct hci **out);

/* The socket to wait on. */
int hci_fd(const struct hci *h);

/* Reads one HCI event without blocking: its length (the H4 type byte
 * stripped), 0 if none is waiting, -1 on error (printed). */
long hci_read(struct hci *h, uint8_t *buf, size_t cap);

/* Stops the scan and closes.  NULL is a no-op. */
void hci_stop(struct hci *h);

#endif /* TRACKSCAN_H */
