/*
 * docs/behaviour.md#cache: what the cache hands back is checked before it
 * is served. Pure: no I/O.
 */
#ifndef DASH_SHAPE_H
#define DASH_SHAPE_H

#include <apr_pools.h>
#include <jansson.h>

/*
 * A cached response (docs/behaviour.md#cache) checked element by element
 * against docs/behaviour.md#response and rewritten in its own form: every
 * member with its type (the 8 metrics with their ids in order, every item
 * of monthlyData, dailyData, topContent, ageGroups, topRegions, gender,
 * hasUploads, dataThrough: null when a value from before it has none),
 * integers as JSON integers (17422.0 from another writer is 17422),
 * members the response does not define left out. NULL when resp is not
 * such a response: a miss. The result is owned by p.
 */
json_t *dash_shape_copy(apr_pool_t *p, const json_t *resp);

#endif
