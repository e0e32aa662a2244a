#include "track/track.h"

#include <math.h>

double
track_model_rssi(double d_m, double tx_power_dbm, double n)
{
	return tx_power_dbm - 10.0 * n * log10(d_m);
}

double
track_model_distance(double rssi_dbm, double tx_power_dbm, double n)
{
	return pow(10.0, (tx_power_dbm - rssi_dbm) / (10.0 * n));
}
