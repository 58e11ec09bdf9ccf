/*
 * youtubeAnalytics#resultTable reading. Google orders columns as requested
 * (dimensions, then metrics) but the module reads them by name anyway, so
 * a reordered or extended answer still lands in the right fields.
 */
#include <limits.h>
#include <string.h>

#include <apr_strings.h>

#include "dash_json.h"
#include "dash_table.h"

/*
 * The largest figure a report cell may hold. Every metric the module asks
 * for is a count or a duration of one channel's videos over at most two
 * years: the most viewed channels have a few hundred billion (10^11) views
 * in their whole life. 10^15 leaves room for any real answer and stays
 * below 2^53, where doubles stop holding every integer.
 */
#define DASH_TABLE_MAX_FIGURE 1e15

struct dash_table_t {
    const char **names;   /* columnHeaders[].name, ncols of them */
    char *numeric;        /* per column: dataType INTEGER or FLOAT */
    int ncols;
    json_t *rows;         /* array of ncols-long arrays; NULL when absent */
    int nrows;
};

static apr_status_t table_fail(const char **perr, const char *reason)
{
    if (perr != NULL) {
        *perr = reason;
    }
    return APR_EINVAL;
}

static apr_status_t read_headers(dash_table_t *t, apr_pool_t *p,
                                 const json_t *root, const char **perr)
{
    json_t *headers = json_object_get(root, "columnHeaders");
    json_t *h;
    size_t i;

    if (!json_is_array(headers)) {
        return table_fail(perr, "no columnHeaders array");
    }
    if (json_array_size(headers) > INT_MAX) {
        return table_fail(perr, "too many columns");
    }
    t->ncols = (int)json_array_size(headers);
    t->names = apr_pcalloc(p, sizeof(*t->names) * (t->ncols + 1));
    t->numeric = apr_pcalloc(p, (apr_size_t)t->ncols + 1);
    json_array_foreach(headers, i, h) {
        const char *type = dash_json_str(h, "dataType");

        t->numeric[i] = type && (!strcmp(type, "INTEGER")
                                 || !strcmp(type, "FLOAT"));
        t->names[i] = dash_json_str(h, "name");
        if (t->names[i] == NULL) {
            return table_fail(perr, apr_psprintf(p, "column header %" APR_SIZE_T_FMT
                                                 " has no string name", i));
        }
    }
    return APR_SUCCESS;
}

/*
 * A cell of a column Google types as a number must be one that a report
 * of ours can hold: a JSON number (12 or 12.0), not negative, and not
 * absurdly large (DASH_TABLE_MAX_FIGURE; JSON has no NaN or infinity, and
 * jansson refuses a number that overflows a double). A string, null or
 * boolean there used to read as 0, and was cached for hours: the whole
 * answer is refused instead. NULL when it is fine, else why not.
 */
static const char *bad_figure(const json_t *cell)
{
    double d;

    if (!json_is_number(cell)) {
        return json_is_null(cell) ? "null" : json_is_string(cell) ? "a string"
               : json_is_boolean(cell) ? "a boolean" : "not a number";
    }
    d = json_number_value(cell);
    if (d < 0) {
        return "negative";
    }
    if (!(d <= DASH_TABLE_MAX_FIGURE)) {
        return "absurdly large";
    }
    return NULL;
}

static apr_status_t check_figures(dash_table_t *t, apr_pool_t *p,
                                  const json_t *row, size_t r,
                                  const char **perr)
{
    int c;

    for (c = 0; c < t->ncols; c++) {
        const char *why = t->numeric[c] ? bad_figure(json_array_get(row, (size_t)c))
                                        : NULL;

        if (why) {
            return table_fail(perr, apr_psprintf(p, "row %" APR_SIZE_T_FMT
                                                 ", column %s: %s where the "
                                                 "column type is a number",
                                                 r, t->names[c], why));
        }
    }
    return APR_SUCCESS;
}

static apr_status_t read_rows(dash_table_t *t, apr_pool_t *p,
                              const json_t *root, const char **perr)
{
    json_t *rows = json_object_get(root, "rows");
    json_t *row;
    size_t i;

    /* Google omits "rows" when there is no data (docs/behaviour.md#analytics-calls). */
    if (rows == NULL) {
        return APR_SUCCESS;
    }
    if (!json_is_array(rows)) {
        return table_fail(perr, "rows is not an array");
    }
    if (json_array_size(rows) > INT_MAX) {
        return table_fail(perr, "too many rows");
    }
    json_array_foreach(rows, i, row) {
        if (!json_is_array(row)) {
            return table_fail(perr, apr_psprintf(p, "row %" APR_SIZE_T_FMT
                                                 " is not an array", i));
        }
        if (json_array_size(row) != (size_t)t->ncols) {
            return table_fail(perr, apr_psprintf(p, "row %" APR_SIZE_T_FMT
                                                 " has %" APR_SIZE_T_FMT
                                                 " cells, not %d", i,
                                                 json_array_size(row),
                                                 t->ncols));
        }
        if (check_figures(t, p, row, i, perr) != APR_SUCCESS) {
            return APR_EINVAL;
        }
    }
    t->rows = rows;
    t->nrows = (int)json_array_size(rows);
    return APR_SUCCESS;
}

apr_status_t dash_table_read(dash_table_t **pt, apr_pool_t *p,
                             const char *body, apr_size_t len,
                             const char **perr)
{
    dash_table_t *t;
    json_t *root;
    const char *jerr = NULL;
    apr_status_t rv;

    rv = dash_json_parse(&root, p, body, len, &jerr);
    if (rv != APR_SUCCESS) {
        if (perr != NULL) {
            *perr = apr_pstrcat(p, "not JSON: ", jerr, NULL);
        }
        return rv;
    }
    if (!json_is_object(root)) {
        return table_fail(perr, "not an object");
    }
    t = apr_pcalloc(p, sizeof(*t));
    rv = read_headers(t, p, root, perr);
    if (rv == APR_SUCCESS) {
        rv = read_rows(t, p, root, perr);
    }
    if (rv == APR_SUCCESS) {
        *pt = t;
    }
    return rv;
}

int dash_table_nrows(const dash_table_t *t)
{
    return t != NULL ? t->nrows : 0;
}

int dash_table_col(const dash_table_t *t, const char *name)
{
    int i;

    if (t == NULL || name == NULL) {
        return -1;
    }
    for (i = 0; i < t->ncols; i++) {
        if (strcmp(t->names[i], name) == 0) {
            return i;
        }
    }
    return -1;
}

/* The cell, or NULL when (row, col) is outside the table: json_array_get
 * checks the upper bounds (and takes a NULL rows). */
static json_t *table_cell(const dash_table_t *t, int row, int col)
{
    if (t == NULL || row < 0 || col < 0) {
        return NULL;
    }
    return json_array_get(json_array_get(t->rows, (size_t)row), (size_t)col);
}

double dash_table_num(const dash_table_t *t, int row, int col)
{
    /* json_number_value covers both 12 and 12.0 and is 0 for the rest. */
    return json_number_value(table_cell(t, row, col));
}

const char *dash_table_str(const dash_table_t *t, int row, int col)
{
    return json_string_value(table_cell(t, row, col));
}
