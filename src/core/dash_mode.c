#include <string.h>

#include "dash_mode.h"

static const char *const mode_names[] = { "day", "month" };

const char *dash_mode_name(dash_mode_e mode)
{
    return mode == DASH_MODE_DAY ? mode_names[0] : mode_names[1];
}

apr_status_t dash_mode_parse(dash_mode_e *mode, const char *s, apr_size_t len)
{
    int i;

    for (i = 0; i < 2; i++) {
        if (len == strlen(mode_names[i])
            && memcmp(s, mode_names[i], len) == 0) {
            *mode = i == 0 ? DASH_MODE_DAY : DASH_MODE_MONTH;
            return APR_SUCCESS;
        }
    }
    return APR_EINVAL;
}
