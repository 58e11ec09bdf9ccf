/* Dates written as "YYYY-MM-DD" in the unit tests' inputs. */
#ifndef DASH_UNIT_DATES_H
#define DASH_UNIT_DATES_H

#include <stdio.h>

#include "dash_dates.h"
#include "unit.h"

static inline dash_date_t unit_date(const char *s)
{
    dash_date_t d = { 0, 0, 0 };
    char end;

    if (sscanf(s, "%4d-%2d-%2d%c", &d.y, &d.m, &d.d, &end) != 3) {
        fail_msg("bad date in a test: %s", s);
    }
    return d;
}

#endif
