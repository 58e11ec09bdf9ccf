/* dash_shape_copy: what a cached response must be to be served, and the
 * form it is served in (docs/behaviour.md#cache), against the complete
 * month's answer (stats_fixture.h) broken one member at a time. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "dash_json.h"
#include "dash_shape.h"
#include "dash_stats.h"
#include "stats_fixture.h"
#include "unit.h"

static json_t *parse(apr_pool_t *p, const char *s)
{
    json_t *j = NULL;

    assert_int_equal(dash_json_parse(&j, p, s, strlen(s), NULL), APR_SUCCESS);
    return j;
}

static void test_valid_good(void **state)
{
    apr_pool_t *p = *state;
    json_t *r;

    assert_true(dash_shape_copy(p, parse(p, complete_month)) != NULL);
    /* What the cache stores is the dump; it must pass after a round trip. */
    r = dash_stats_empty(p);
    assert_true(dash_shape_copy(p, parse(p, dash_json_dump(p, r, NULL))) != NULL);
    /* Members the check does not know about are no reason for a miss. */
    r = parse(p, complete_month);
    assert_int_equal(json_object_set_new(r, "fetchedAt", json_integer(1771531200)), 0);
    assert_true(dash_shape_copy(p, r) != NULL);
}

typedef struct {
    const char *parent;   /* dotted path, "" for the root */
    const char *key;      /* member, or array index, or "+" to append */
    const char *value;    /* JSON text to set, or NULL to delete */
} mutation_t;

static const mutation_t broken[] = {
    { "", "contentMetrics", NULL },
    { "", "contentMetrics", "{}" },
    { "contentMetrics", "7", NULL },
    { "contentMetrics", "+", "{\"id\":\"extra\"}" },
    { "contentMetrics", "0", "\"total-views\"" },
    { "contentMetrics.0", "id", "\"views\"" },
    { "contentMetrics.7", "id", "\"total-views\"" },
    { "contentMetrics.0", "id", NULL },
    { "contentMetrics.1", "value", "\"81.3\"" },
    { "contentMetrics.6", "value", NULL },
    { "contentMetrics.7", "value", "null" },
    { "contentMetrics.2", "trend", "null" },
    { "contentMetrics.2", "trend", "true" },
    { "contentMetrics.3", "label", NULL },
    { "contentMetrics.4", "unit", NULL },
    { "contentMetrics.5", "trendDirection", "1" },
    { "", "monthlyData", "{}" },
    { "", "monthlyData", NULL },
    { "", "dailyData", NULL },
    { "", "dailyData", "null" },
    { "", "topContent", "\"[]\"" },
    { "", "audienceData", NULL },
    { "", "audienceData", "[]" },
    { "audienceData", "ageGroups", NULL },
    { "audienceData", "gender", "[]" },
    { "audienceData.gender", "male", NULL },
    { "audienceData.gender", "female", "\"48.8\"" },
    { "audienceData", "topRegions", "{}" },
    { "", "hasUploads", "\"true\"" },
    { "", "hasUploads", "1" },
    { "", "hasUploads", "null" },
    { "", "hasUploads", NULL },
    /* Element by element (docs/behaviour.md#cache). */
    { "", "topContent", "[1, \"x\"]" },
    { "topContent.0", "views", NULL },
    { "topContent.0", "views", "\"900\"" },
    { "topContent.0", "views", "1.5" },
    { "topContent.0", "id", "7" },
    { "topContent.0", "title", "7" },
    { "topContent.0", "engagement", "5.4" },
    { "monthlyData.3", "thisYear", NULL },
    { "monthlyData.0", "lastYear", "null" },
    { "monthlyData.0", "month", "202601" },
    { "monthlyData", "0", "[1, 2]" },
    { "audienceData.ageGroups.0", "percentage", "\"35.2\"" },
    { "audienceData.ageGroups.0", "label", NULL },
    { "audienceData.topRegions.0", "percentage", "\"71.4\"" },
    { "audienceData.topRegions.0", "region", "null" },
    { "contentMetrics.1", "trendDirection", "\"sideways\"" },
    { "", "dataThrough", "20260218" },
    { "", "dataThrough", "\"2026-02-30\"" },
    { "", "dataThrough", "\"2026-2-18\"" },
    { "", "dataThrough", "\"2026-02-18T00:00\"" },
    { "", "dataThrough", "false" },
};

static void apply(apr_pool_t *p, json_t *r, const mutation_t *m)
{
    json_t *parent = *m->parent != '\0' ? at(p, r, m->parent) : r;
    json_t *v = m->value != NULL ? json_loads(m->value, JSON_DECODE_ANY, NULL) : NULL;
    int rc;

    if (m->value != NULL) {
        assert_non_null(v);
    }
    if (json_is_array(parent)) {
        size_t i = strtoul(m->key, NULL, 10);

        rc = strcmp(m->key, "+") == 0 ? json_array_append_new(parent, v)
             : v != NULL ? json_array_set_new(parent, i, v)
             : json_array_remove(parent, i);
    }
    else {
        rc = v != NULL ? json_object_set_new(parent, m->key, v)
             : json_object_del(parent, m->key);
    }
    assert_int_equal(rc, 0);
}

static void test_valid_broken(void **state)
{
    apr_pool_t *p = *state;
    size_t i;

    for (i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
        json_t *r = parse(p, complete_month);

        assert_true(dash_shape_copy(p, r) != NULL);
        apply(p, r, &broken[i]);
        if (dash_shape_copy(p, r) != NULL) {
            fail_msg("valid after %s[%s] = %s", broken[i].parent, broken[i].key,
                     broken[i].value != NULL ? broken[i].value : "(deleted)");
        }
    }
}

/* Another writer's value is served in the response's own form. */
static void test_from_cache_rewrites(void **state)
{
    apr_pool_t *p = *state;
    json_t *r = parse(p, complete_month);
    json_t *out;
    const char *want = dash_json_dump(p, parse(p, complete_month), NULL);
    const char *got;

    /* Integers written as reals, and members the response does not have. */
    assert_int_equal(json_object_set_new(at(p, r, "contentMetrics.0"), "value",
                     json_real(json_integer_value(json_object_get(
                         at(p, r, "contentMetrics.0"), "value")))), 0);
    assert_int_equal(json_object_set_new(at(p, r, "monthlyData.0"), "thisYear",
                     json_real(json_integer_value(json_object_get(
                         at(p, r, "monthlyData.0"), "thisYear")))), 0);
    assert_int_equal(json_object_set_new(at(p, r, "topContent.0"), "views",
                     json_real(json_integer_value(json_object_get(
                         at(p, r, "topContent.0"), "views")))), 0);
    assert_int_equal(json_object_set_new(r, "writer", json_string("python")), 0);
    assert_int_equal(json_object_set_new(at(p, r, "topContent.0"), "channel",
                                         json_string("x")), 0);
    assert_int_equal(json_object_set_new(at(p, r, "audienceData"), "source",
                                         json_string("x")), 0);
    assert_int_equal(json_object_set_new(at(p, r, "audienceData.gender"), "other",
                                         json_real(1.5)), 0);
    assert_int_equal(json_object_set_new(at(p, r, "contentMetrics.3"), "note",
                                         json_string("x")), 0);
    assert_string_not_equal(dash_json_dump(p, r, NULL), want);
    out = dash_shape_copy(p, r);
    assert_non_null(out);
    got = dash_json_dump(p, out, NULL);
    assert_string_equal(got, want);
    assert_null(dash_shape_copy(p, parse(p, "{}")));
}

/*
 * A value stored before responses had dataThrough is still served until
 * its normal refresh, with dataThrough null; a no-uploads answer never
 * gets one, even when another writer put it there.
 */
static void test_from_cache_without_through(void **state)
{
    apr_pool_t *p = *state;
    json_t *r = parse(p, complete_month);
    json_t *out;

    assert_int_equal(json_object_del(r, "dataThrough"), 0);
    out = dash_shape_copy(p, r);
    assert_non_null(out);
    assert_string_equal(text(p, out, "dataThrough"), "null");
    assert_int_equal(json_object_size(out), 7);
    /* null from a writer is kept as it is */
    assert_int_equal(json_object_set_new(r, "dataThrough", json_null()), 0);
    assert_string_equal(text(p, dash_shape_copy(p, r), "dataThrough"), "null");

    r = parse(p, dash_json_dump(p, dash_stats_empty(p), NULL));
    out = dash_shape_copy(p, r);
    assert_null(json_object_get(out, "dataThrough"));
    assert_int_equal(json_object_set_new(r, "dataThrough",
                                         json_string("2026-02-18")), 0);
    out = dash_shape_copy(p, r);
    assert_non_null(out);
    assert_null(json_object_get(out, "dataThrough"));
}

static void test_valid_swapped_metrics(void **state)
{
    apr_pool_t *p = *state;
    json_t *r = parse(p, complete_month);
    json_t *metrics = at(p, r, "contentMetrics");
    json_t *first = json_incref(json_array_get(metrics, 0));

    assert_int_equal(json_array_remove(metrics, 0), 0);
    assert_int_equal(json_array_insert_new(metrics, 1, first), 0);
    assert_false(dash_shape_copy(p, r) != NULL);
}

static void test_valid_not_objects(void **state)
{
    apr_pool_t *p = *state;

    assert_false(dash_shape_copy(p, NULL) != NULL);
    assert_false(dash_shape_copy(p, parse(p, "[]")) != NULL);
    assert_false(dash_shape_copy(p, parse(p, "\"response\"")) != NULL);
    assert_false(dash_shape_copy(p, parse(p, "{}")) != NULL);
    /* The cache wrapper itself is not a response. */
    assert_null(dash_shape_copy(p, parse(p, apr_pstrcat(p, "{\"response\":",
                                                       complete_month, "}", NULL))));
}

#define T(f) cmocka_unit_test_setup_teardown(f, unit_pool_setup, unit_pool_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_valid_good),
        T(test_valid_broken),
        T(test_valid_swapped_metrics),
        T(test_from_cache_rewrites),
        T(test_from_cache_without_through),
        T(test_valid_not_objects),
    };

    return cmocka_run_group_tests(tests, unit_group_setup, unit_group_teardown);
}
