/*
 * The resultTable reader with the response builder
 * (docs/behaviour.md#analytics-calls, #response). The input is up to four
 * answers of reports.query separated by NUL bytes, in the order of
 * dash_query_e (the daily series first), after two bytes choosing "today"
 * and one the mode; a missing answer is an empty table. Every answer is
 * read like one from Google; when all four are tables the response is
 * built, and must be one that the cache would accept and serve unchanged.
 */
#include <string.h>

#include "dash_json.h"
#include "dash_shape.h"
#include "dash_stats.h"
#include "fuzz.h"
#include "../unit/uploads.h"

static const dash_video_t videos[] = {
    { "vidA0000000", "First", "2026.01.05" },
    { "vidB0000000", NULL, "2025.12.24" },
    { "vidC0000000", "Third \"quoted\"", "2025.11.30" },
    { "vidD0000000", "\xed\x95\x9c\xea\xb8\x80", "2024.02.29" },
    { "vidE0000000", "", "2023.07.01" },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char empty[] = "{\"columnHeaders\": []}";
    apr_pool_t *p;
    dash_stats_in_t in;
    const char *pos, *end, *err = NULL;
    json_t *resp;
    char *dumped;
    int q;

    if (size < 3) {
        return 0;
    }
    p = fuzz_pool();
    memset(&in, 0, sizeof(in));
    in.mode = data[2] & 1 ? DASH_MODE_MONTH : DASH_MODE_DAY;
    /* Any day from 2020-01-01 on for about 11 years: leap days, year and
     * month ends all come up. */
    dash_dates_windows(&in.win,
                       dash_dates_from_days(18262 + ((data[0] << 8 | data[1]) % 4000)),
                       in.mode);
    in.videos = videos;
    in.nvideos = (int)(sizeof(videos) / sizeof(videos[0]));

    pos = (const char *)data + 3;
    end = (const char *)data + size;
    for (q = 0; q < DASH_NQ; q++) {
        const char *body = empty;
        apr_size_t len = sizeof(empty) - 1;
        dash_table_t *t = NULL;

        if (pos < end) {
            const char *nul = memchr(pos, '\0', (size_t)(end - pos));
            body = pos;
            len = (apr_size_t)((nul ? nul : end) - pos);
            pos = nul ? nul + 1 : end;
        }
        if (dash_table_read(&t, p, body, len, &err) != APR_SUCCESS) {
            FUZZ_CHECK(err != NULL && *err);
            apr_pool_destroy(p);
            return 0;
        }
        FUZZ_CHECK(dash_table_nrows(t) >= 0);
        in.tables[q] = t;
    }

    resp = dash_stats_build(p, &in);
    FUZZ_CHECK(resp != NULL);
    set_uploads(resp, 7, 3);
    FUZZ_CHECK(dash_shape_copy(p, resp) != NULL);
    dumped = dash_json_dump(p, resp, NULL);
    FUZZ_CHECK(dumped != NULL);
    apr_pool_destroy(p);
    return 0;
}
