/*
 * trackscan's adapter: a passive LE scan through a raw HCI socket
 * (libbluetooth), duplicate filtering off so that every advertisement
 * and its RSSI arrives.  Extended scanning (LE Set Extended Scan
 * Parameters / Enable, reports as subevent 0x0D) when the controller has
 * the LE Extended Advertising feature; legacy (subevent 0x02) otherwise.
 *
 * Sending HCI commands takes CAP_NET_RAW, bringing an adapter up
 * CAP_NET_ADMIN; and the scan settings are the controller's, so an
 * adapter that bluetoothd also drives may refuse them (Command
 * Disallowed) or have them changed under it.  Each of those ends here
 * with a message that says what to do.
 */
#include "trackscan.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bluetooth/bluetooth.h>
#include <bluetooth/hci.h>
#include <bluetooth/hci_lib.h>

#define TIMEOUT_MS 1000

/* LE commands (Core spec vol 4 part E 7.8). */
#define OCF_LE_READ_FEATURES 0x0003
#define OCF_LE_SET_EVENT_MASK_ 0x0001
#define OCF_LE_SET_EXT_SCAN_PARAMS 0x0041
#define OCF_LE_SET_EXT_SCAN_ENABLE 0x0042
#define FEATURE_EXT_ADV_BIT 12
#define STATUS_DISALLOWED 0x0c

struct hci {
	int dd;
	int dev_id;
	bool extended;
	struct hci_filter saved;
	bool filter_saved;
	bool scanning;
};

static void
hint_permission(void)
{
	fprintf(stderr, "trackscan: HCI commands need CAP_NET_RAW (and "
		"CAP_NET_ADMIN to bring an adapter up): run it as root or "
		"`setcap cap_net_raw,cap_net_admin+eip trackscan`\n");
}

/* One LE command with cmd (clen bytes); its return parameters into ret
 * (status first).  Returns 0, or -1 with errno (EIO: a non-zero status,
 * which is then in *status). */
static int
le_command(struct hci *h, uint16_t ocf, void *cmd, int clen, uint8_t *ret,
	   int rlen, uint8_t *status)
{
	struct hci_request rq;

	memset(&rq, 0, sizeof rq);
	rq.ogf = OGF_LE_CTL;
	rq.ocf = ocf;
	rq.cparam = cmd;
	rq.clen = clen;
	rq.rparam = ret;
	rq.rlen = rlen;
	if (hci_send_req(h->dd, &rq, TIMEOUT_MS) < 0)
		return -1;
	*status = ret[0];
	if (ret[0]) {
		errno = EIO;
		return -1;
	}
	return 0;
}

static bool
has_extended(struct hci *h)
{
	uint8_t ret[9], st = 0;

	if (le_command(h, OCF_LE_READ_FEATURES, NULL, 0, ret, sizeof ret,
		       &st) < 0)
		return false;
	return (ret[1 + FEATURE_EXT_ADV_BIT / 8] >> (FEATURE_EXT_ADV_BIT % 8)) &
	       1;
}

/* Reports why a scan command failed; name is the command. */
static void
command_failed(const struct hci *h, const char *name, uint8_t status)
{
	if (errno == EPERM || errno == EACCES) {
		fprintf(stderr, "trackscan: hci%d: %s: permission denied\n",
			h->dev_id, name);
		hint_permission();
	} else if (errno == EIO && (status == STATUS_DISALLOWED || !status)) {
		/* libbluetooth's own scan calls do not say which status. */
		fprintf(stderr, "trackscan: hci%d: %s: command disallowed: "
			"the adapter is busy (is bluetoothd scanning on it?); "
			"use a dedicated adapter, or one bluetoothd does not "
			"drive\n", h->dev_id, name);
	} else if (errno == EIO) {
		fprintf(stderr, "trackscan: hci%d: %s: the controller "
			"answered status 0x%02x\n", h->dev_id, name, status);
	} else {
		fprintf(stderr, "trackscan: hci%d: %s: %s\n", h->dev_id, name,
			strerror(errno));
	}
}

static int
start_extended(struct hci *h)
{
	/* Own address public, accept all, 1M PHY only: passive, 10 ms
	 * interval and window (continuous). */
	uint8_t params[] = { 0x00, 0x00, 0x01, 0x00, 0x10, 0x00, 0x10, 0x00 };
	/* Enable, duplicates not filtered, no duration, no period. */
	uint8_t enable[] = { 0x01, 0x00, 0x00, 0x00, 0x00, 0x00 };
	/* The default LE event mask lacks the extended report (bit 12). */
	uint8_t mask[] = { 0x1f, 0x10, 0, 0, 0, 0, 0, 0 };
	uint8_t ret[1], st = 0;

	if (le_command(h, OCF_LE_SET_EVENT_MASK_, mask, sizeof mask, ret,
		       sizeof ret, &st) < 0) {
		command_failed(h, "LE Set Event Mask", st);
		return -1;
	}
	if (le_command(h, OCF_LE_SET_EXT_SCAN_PARAMS, params, sizeof params,
		       ret, sizeof ret, &st) < 0) {
		command_failed(h, "LE Set Extended Scan Parameters", st);
		return -1;
	}
	if (le_command(h, OCF_LE_SET_EXT_SCAN_ENABLE, enable, sizeof enable,
		       ret, sizeof ret, &st) < 0) {
		command_failed(h, "LE Set Extended Scan Enable", st);
		return -1;
	}
	return 0;
}

static int
start_legacy(struct hci *h)
{
	/* Passive (0x00), 10 ms interval and window, public address,
	 * accept all. */
	if (hci_le_set_scan_parameters(h->dd, 0x00, htobs(0x0010),
				       htobs(0x0010), 0x00, 0x00,
				       TIMEOUT_MS) < 0) {
		command_failed(h, "LE Set Scan Parameters", 0);
		return -1;
	}
	/* Duplicate filtering off (0x00). */
	if (hci_le_set_scan_enable(h->dd, 0x01, 0x00, TIMEOUT_MS) < 0) {
		command_failed(h, "LE Set Scan Enable", 0);
		return -1;
	}
	return 0;
}

static int
find_adapter(const char *adapter)
{
	int id = adapter ? hci_devid(adapter) : hci_get_route(NULL);

	if (id >= 0)
		return id;
	if (errno == EAFNOSUPPORT || errno == EPROTONOSUPPORT)
		fprintf(stderr, "trackscan: no Bluetooth adapter: this kernel "
			"has no Bluetooth support (AF_BLUETOOTH: %s); use "
			"--replay FILE to run without a radio\n",
			strerror(errno));
	else if (errno == EPERM || errno == EACCES) {
		fprintf(stderr, "trackscan: cannot list Bluetooth adapters: "
			"%s\n", strerror(errno));
		hint_permission();
	} else if (adapter)
		fprintf(stderr, "trackscan: no Bluetooth adapter %s (see "
			"`btmgmt info` for the ones there are)\n", adapter);
	else
		fprintf(stderr, "trackscan: no Bluetooth adapter found; use "
			"--replay FILE to run without a radio\n");
	return -1;
}

int
hci_start(const char *adapter, bool legacy, bool quiet, struct hci **out)
{
	struct hci_dev_info di;
	struct hci_filter f;
	socklen_t flen = sizeof f;
	struct hci *h = calloc(1, sizeof *h);

	if (!h) {
		fprintf(stderr, "trackscan: out of memory\n");
		return -1;
	}
	h->dd = -1;
	h->dev_id = find_adapter(adapter);
	if (h->dev_id < 0)
		goto fail;
	if (hci_devinfo(h->dev_id, &di) == 0 && !hci_test_bit(HCI_UP,
							    &di.flags)) {
		int s = socket(AF_BLUETOOTH, SOCK_RAW | SOCK_CLOEXEC,
			       BTPROTO_HCI);

		if (s < 0 || ioctl(s, HCIDEVUP, h->dev_id) < 0) {
			fprintf(stderr, "trackscan: hci%d is down and cannot "
				"be brought up (%s): bring it up with `btmgmt "
				"--index %d power on`, or give trackscan "
				"CAP_NET_ADMIN\n", h->dev_id, strerror(errno),
				h->dev_id);
			if (s >= 0)
				close(s);
			goto fail;
		}
		close(s);
	}
	h->dd = hci_open_dev(h->dev_id);
	if (h->dd < 0) {
		fprintf(stderr, "trackscan: cannot open hci%d: %s\n",
			h->dev_id, strerror(errno));
		if (errno == EPERM || errno == EACCES)
			hint_permission();
		goto fail;
	}
	if (getsockopt(h->dd, SOL_HCI, HCI_FILTER, &h->saved, &flen) == 0)
		h->filter_saved = true;
	h->extended = !legacy && has_extended(h);
	if ((h->extended ? start_extended(h) : start_legacy(h)) < 0)
		goto fail;
	h->scanning = true;
	/* Only LE meta events from here on; the parser takes the rest. */
	hci_filter_clear(&f);
	hci_filter_set_ptype(HCI_EVENT_PKT, &f);
	hci_filter_set_event(EVT_LE_META_EVENT, &f);
	if (setsockopt(h->dd, SOL_HCI, HCI_FILTER, &f, sizeof f) < 0 ||
	    fcntl(h->dd, F_SETFL, fcntl(h->dd, F_GETFL) | O_NONBLOCK) < 0) {
		fprintf(stderr, "trackscan: hci%d: cannot set up the socket: "
			"%s\n", h->dev_id, strerror(errno));
		goto fail;
	}
	if (!quiet)
		fprintf(stderr, "trackscan: scanning on hci%d (%s, passive, "
			"duplicates kept)\n", h->dev_id,
			h->extended ? "extended advertising" : "legacy");
	*out = h;
	return 0;
fail:
	hci_stop(h);
	return -1;
}

int
hci_fd(const struct hci *h)
{
	return h->dd;
}

long
hci_read(struct hci *h, uint8_t *buf, size_t cap)
{
	ssize_t n = read(h->dd, buf, cap);

	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		fprintf(stderr, "trackscan: hci%d: read: %s\n", h->dev_id,
			strerror(errno));
		return -1;
	}
	if (n < 1 || buf[0] != HCI_EVENT_PKT)
		return 0;
	memmove(buf, buf + 1, (size_t)n - 1);
	return (long)n - 1;
}

void
hci_stop(struct hci *h)
{
	if (!h)
		return;
	if (h->scanning) {
		uint8_t off[] = { 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
		uint8_t ret[1], st;

		if (h->extended)
			le_command(h, OCF_LE_SET_EXT_SCAN_ENABLE, off,
				   sizeof off, ret, sizeof ret, &st);
		else
			hci_le_set_scan_enable(h->dd, 0x00, 0x00, TIMEOUT_MS);
	}
	if (h->dd >= 0) {
		if (h->filter_saved)
			setsockopt(h->dd, SOL_HCI, HCI_FILTER, &h->saved,
				   sizeof h->saved);
		hci_close_dev(h->dd);
	}
	free(h);
}
