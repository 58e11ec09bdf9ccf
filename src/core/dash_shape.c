/*
 * docs/behaviour.md#cache: a response found in the cache, checked element by
 * element against docs/behaviour.md#response and rewritten in the
 * response's own form. Whatever wrote it, what leaves here is a response
 * the module could have built itself.
 */
#include <math.h>
#include <string.h>

#include "dash_dates.h"
#include "dash_json.h"
#include "dash_shape.h"
#include "dash_stats.h"

/* What a member of the response may hold (docs/behaviour.md#response). */
typedef enum {
    F_STR,        /* a string */
    F_STR_NULL,   /* a string or null */
    F_INT,        /* an integral number, served as a JSON integer */
    F_NUM,        /* a finite number */
    F_BOOL,
    F_DIRECTION,  /* "up", "down" or "-" */
    F_DAY_NULL    /* a "YYYY-MM-DD" day or null */
} field_kind_e;

typedef struct {
    const char *name;
    field_kind_e kind;
} field_t;

static const field_t metric_fields[] = {
    { "id", F_STR }, { "label", F_STR }, { "value", F_NUM }, { "unit", F_STR },
    { "trend", F_NUM }, { "trendDirection", F_DIRECTION }, { NULL, F_STR }
};
static const field_t monthly_fields[] = {
    { "month", F_STR }, { "thisYear", F_INT }, { "lastYear", F_INT }, { NULL, F_STR }
};
static const field_t daily_fields[] = {
    { "date", F_STR }, { "thisPeriod", F_INT }, { "lastPeriod", F_INT }, { NULL, F_STR }
};
static const field_t top_fields[] = {
    { "id", F_STR }, { "title", F_STR_NULL }, { "thumbnail", F_STR },
    { "platform", F_STR }, { "views", F_INT }, { "engagement", F_STR },
    { "date", F_STR_NULL }, { NULL, F_STR }
};
static const field_t age_fields[] = {
    { "label", F_STR }, { "percentage", F_NUM }, { NULL, F_STR }
};
static const field_t gender_fields[] = {
    { "male", F_NUM }, { "female", F_NUM }, { NULL, F_STR }
};
static const field_t region_fields[] = {
    { "region", F_STR }, { "percentage", F_NUM }, { NULL, F_STR }
};

/* A new value holding v in the response's own form, or NULL when v is not
 * of the kind. */
static json_t *field_value(const json_t *v, field_kind_e kind)
{
    double d;

    switch (kind) {
    case F_STR_NULL:
        if (json_is_null(v)) {
            return json_null();
        }
        /* fall through */
    case F_STR:
        return json_is_string(v) ? json_stringn(json_string_value(v),
                                                json_string_length(v))
                                 : NULL;
    case F_DIRECTION:
        if (json_is_string(v) && (!strcmp(json_string_value(v), "up")
                                  || !strcmp(json_string_value(v), "down")
                                  || !strcmp(json_string_value(v), "-"))) {
            return json_string(json_string_value(v));
        }
        return NULL;
    case F_BOOL:
        return json_is_boolean(v) ? json_boolean(json_is_true(v)) : NULL;
    case F_DAY_NULL:
        if (json_is_null(v)) {
            return json_null();
        }
        if (json_is_string(v)) {
            dash_date_t d;

            if (dash_dates_parse(&d, json_string_value(v),
                                 json_string_length(v)) == APR_SUCCESS) {
                return json_string(json_string_value(v));
            }
        }
        return NULL;
    case F_INT:
    case F_NUM:
        if (!json_is_number(v)) {
            return NULL;
        }
        d = json_number_value(v);
        if (!isfinite(d) || (kind == F_INT && d != floor(d))) {
            return NULL;
        }
        /* 17422.0 from another writer becomes 17422. */
        return dash_json_number(d);
    }
    return NULL;
}

/* The members of o named in fields, each checked, in that order, in a new
 * object; NULL when o is not an object or one is missing or of another
 * kind. Members not in fields are left behind. */
static json_t *copy_fields(const json_t *o, const field_t *fields)
{
    json_t *n;
    const field_t *f;
    int rc = 0;

    if (!json_is_object(o) || (n = json_object()) == NULL) {
        return NULL;
    }
    for (f = fields; f->name != NULL && rc == 0; f++) {
        json_t *v = field_value(json_object_get(o, f->name), f->kind);

        rc = v != NULL ? json_object_set_new(n, f->name, v) : -1;
    }
    return dash_json_done(n, rc);
}

/* Every item of list through copy_fields. */
static json_t *copy_list(const json_t *list, const field_t *fields)
{
    json_t *n, *item;
    size_t i;

    if (!json_is_array(list) || (n = json_array()) == NULL) {
        return NULL;
    }
    json_array_foreach((json_t *)list, i, item) {
        if (json_array_append_new(n, copy_fields(item, fields)) != 0) {
            json_decref(n);
            return NULL;
        }
    }
    return n;
}

/* The 8 metrics in order, with their ids; the label and unit are the
 * response's own. */
static json_t *copy_metrics(const json_t *list)
{
    json_t *n;
    int i;

    if (!json_is_array(list) || json_array_size(list) != DASH_STATS_NMETRICS
        || (n = json_array()) == NULL) {
        return NULL;
    }
    for (i = 0; i < DASH_STATS_NMETRICS; i++) {
        const dash_stats_metric_t *def = dash_stats_metric(i);
        json_t *m = copy_fields(json_array_get(list, (size_t)i), metric_fields);
        int ok = m != NULL
                 && !strcmp(dash_json_str(m, "id"), def->id)
                 && json_object_set_new(m, "label", json_string(def->label)) == 0
                 && json_object_set_new(m, "unit", json_string(def->unit)) == 0;

        if (!ok || json_array_append_new(n, m) != 0) {
            if (!ok) {
                json_decref(m);
            }
            json_decref(n);
            return NULL;
        }
    }
    return n;
}

/*
 * dataThrough of a response with uploads. A value stored before the module
 * reported it has none: it is still served until its normal refresh, with
 * null ("no day known"), so that every answer with uploads has the member
 * and its one type (docs/behaviour.md#cache). The no-uploads answer has
 * none (docs/behaviour.md#no-uploads); another writer's is left out.
 */
static json_t *copy_through(const json_t *resp, const json_t *has)
{
    const json_t *v = json_object_get(resp, "dataThrough");

    if (has == NULL || !json_is_true(has)) {
        return NULL;
    }
    return v != NULL ? field_value(v, F_DAY_NULL) : json_null();
}

/* The whole response checked and rewritten; NULL when it is not one. */
static json_t *copy_response(const json_t *resp)
{
    const json_t *aud = json_object_get(resp, "audienceData");
    json_t *metrics, *monthly, *daily, *top, *audience, *has, *through, *o;
    int rc = 0, with_uploads;

    if (!json_is_object(resp) || !json_is_object(aud)) {
        return NULL;
    }
    metrics = copy_metrics(json_object_get(resp, "contentMetrics"));
    monthly = copy_list(json_object_get(resp, "monthlyData"), monthly_fields);
    daily = copy_list(json_object_get(resp, "dailyData"), daily_fields);
    top = copy_list(json_object_get(resp, "topContent"), top_fields);
    audience = dash_stats_audience(copy_list(json_object_get(aud, "ageGroups"), age_fields),
                            copy_fields(json_object_get(aud, "gender"), gender_fields),
                            copy_list(json_object_get(aud, "topRegions"), region_fields));
    has = field_value(json_object_get(resp, "hasUploads"), F_BOOL);
    through = copy_through(resp, has);
    with_uploads = has != NULL && json_is_true(has);
    o = json_object();
    /* json_object_set_new takes (and releases on failure) every value, and
     * fails on a NULL one: one check at the end covers them all. */
    rc |= json_object_set_new(o, "contentMetrics", metrics);
    rc |= json_object_set_new(o, "monthlyData", monthly);
    rc |= json_object_set_new(o, "dailyData", daily);
    rc |= json_object_set_new(o, "topContent", top);
    rc |= json_object_set_new(o, "audienceData", audience);
    rc |= json_object_set_new(o, "hasUploads", has);
    if (with_uploads) {
        /* NULL here (a dataThrough that is not a day) fails the value. */
        rc |= json_object_set_new(o, "dataThrough", through);
    }
    return dash_json_done(o, rc);
}

json_t *dash_shape_copy(apr_pool_t *p, const json_t *resp)
{
    return dash_json_pool(p, copy_response(resp));
}
