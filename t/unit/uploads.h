/*
 * The uploaded-videos metric of a built response set by hand, as
 * docs/behaviour.md#response defines it: value = current, trend =
 * current - previous, trendDirection "up", "down" or "-", each member in
 * its place. The reference the unit tests and the fuzz targets hold
 * dash_stats_fill's splice to; written apart from dash_stats.c on purpose.
 */
#ifndef DASH_TEST_UPLOADS_H
#define DASH_TEST_UPLOADS_H

#include <string.h>
#include <jansson.h>

static inline void set_uploads(json_t *resp, long current, long previous)
{
    json_t *metrics = json_object_get(resp, "contentMetrics"), *m;
    long trend = current - previous;
    size_t i;

    json_array_foreach(metrics, i, m) {
        const char *id = json_string_value(json_object_get(m, "id"));

        if (id && strcmp(id, "uploaded-videos") == 0) {
            /* jansson replaces a member in place: the order survives. */
            json_object_set_new(m, "value", json_integer(current));
            json_object_set_new(m, "trend", json_integer(trend));
            json_object_set_new(m, "trendDirection",
                                json_string(trend > 0 ? "up" : trend < 0 ? "down" : "-"));
            return;
        }
    }
}

#endif
