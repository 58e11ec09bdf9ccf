/*
 * A youtubeAnalytics#resultTable (reports.query answer): columns are
 * found by columnHeaders[].name, never by position; a missing "rows"
 * member means no data.
 */
#ifndef DASH_TABLE_H
#define DASH_TABLE_H

#include <apr_errno.h>
#include <apr_pools.h>

typedef struct dash_table_t dash_table_t;

/*
 * Parses and checks a resultTable body: an object whose "columnHeaders" is
 * an array of objects each with a string "name", and whose "rows", when
 * present, is an array of arrays as long as columnHeaders, where every cell
 * of a column whose dataType is INTEGER or FLOAT is a JSON number from 0 to
 * 10^15 (no string, null, boolean, negative or absurd figure). Anything
 * else is APR_EINVAL with a short reason in *perr. The table lives in p.
 */
apr_status_t dash_table_read(dash_table_t **pt, apr_pool_t *p,
                             const char *body, apr_size_t len,
                             const char **perr);

int dash_table_nrows(const dash_table_t *t);
/* Index of the column named name, or -1. */
int dash_table_col(const dash_table_t *t, const char *name);
/* The cell as a number (INTEGER columns may hold 12.0); 0 when col < 0,
 * the row is out of range, or the cell is not a number. */
double dash_table_num(const dash_table_t *t, int row, int col);
/* The cell as a string, or NULL when col < 0 or it is not a string. */
const char *dash_table_str(const dash_table_t *t, int row, int col);

#endif
