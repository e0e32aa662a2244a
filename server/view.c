/* The views: the core's state (live table, alarms) as the API, the live
 * stream and the webhook show it, with the site's names. Reads the clock
 * only for a tag's age ("stale"); calls nothing that writes. */
#include <string.h>

#include "app.h"

const track_site_tag *
app_site_tag(const struct app *a, const char *id)
{
	const track_site_tag *tags;
	json_t *ix = json_object_get(a->site_tag_index, id);

	/* By index: every press asks, and a forged flood of them must not
	 * cost a scan of the site's tags each. */
	track_site_tags(a->site, &tags);
	return ix ? &tags[json_integer_value(ix)] : NULL;
}

bool
app_is_person(const struct app *a, const char *id)
{
	const track_site_tag *info = app_site_tag(a, id);
	const struct live_tag *t;

	if (info)
		return info->kind != TRACK_TAG_ASSET;
	t = livetable_find(&a->live, id);
	return !t || t->pos.kind != TRACK_TAG_ASSET;
}

json_t *
app_tag_json(const struct app *a, const struct live_tag *t)
{
	return livetable_tag_json(t, app_site_tag(a, t->id), app_now_us());
}

json_t *
app_alarm_json(const struct app *a, const struct alarm *al)
{
	const struct live_tag *t = livetable_find(&a->live, al->tag);
	const track_site_tag *info = app_site_tag(a, al->tag);
	json_t *o = json_pack("{s:I, s:s, s:s?, s:b, s:f, s:f}", "id",
	                      (json_int_t)al->id, "tag", al->tag, "name",
	                      info ? info->name : NULL, "open", al->open,
	                      "opened", (double)al->opened_us * 1e-6,
	                      "pressed", (double)al->pressed_us * 1e-6);

	json_object_set_new(o, "position",
	                    t ? app_tag_json(a, t) : json_null());
	if (!al->open) {
		json_object_set_new(o, "acked_by", json_string(al->acked_by));
		json_object_set_new(o, "acked",
		                    json_real((double)al->acked_us * 1e-6));
	}
	return o;
}
