#include "track/track.h"

/* Why these values: P1m -59 dBm and n 2.0 are the usual BLE badge figures
 * (iBeacon measured power, free space); sigma 6 dB is typical indoor
 * shadowing. A 2 s window holds several advertisements at 1-10 Hz while a
 * walking tag moves about 2 m; 1 m/s^2 is a person speeding up or turning.
 * A standing tag is taken to stay put for about 10 s and a walker to walk
 * about 10 s before either changes: no preference for either state.
 * Scanners of different radio kinds read up to 6-7 dB apart at the same
 * distance: a scanner's offset has a prior of 4 dB, like a tag's power. */
track_config
track_config_default(void)
{
	return (track_config){
		.max_tags = 16384,
		.max_links = 16,
		.tx_power_dbm = -59.0,
		.path_loss = 2.0,
		.sigma_db = 6.0,
		.tag_height_m = 1.0,
		.tx_prior_db = 4.0,
		.min_scanners_tx = 4,
		.scanner_prior_db = 4.0,
		.window_us = 2000000,
		.reorder_us = 2000000,
		.bounds_margin_m = 2.0,
		.accel_mps2 = 1.0,
		.still_drift_m = 0.05,
		.still_stay_s = 10.0,
		.moving_stay_s = 10.0,
		.gate_chi2 = 13.8,
		.gate_resets = 3,
		.silence_reset_us = 15000000,
		.first_fix_wait_us = 1000000,
		.floor_margin_db = 6.0,
		.floor_hold_us = 3000000,
		.zone_enter_us = 3000000,
		.zone_exit_us = 5000000,
		.lost_us = 60000000,
		.distress_rearm_us = 10000000,
		.max_events = 65536,
		.stats_bucket_us = 60000000,
		.stats_buckets = 1440,
		.heatmap_cell_m = 0.5,
		.heatmap_bucket_us = 3600000000,
		.heatmap_buckets = 168,
		.max_visits = 1u << 18,
		.utilization_days = 35,
		.smooth = true,
	};
}
