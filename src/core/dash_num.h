/*
 * Doubles as JSON text: the shortest decimal that reads back as the same
 * value, written the way jansson writes a real (so 81.3, never
 * 81.299999999999997; 81.0 for an integral real; 1e20, 1e-5).
 */
#ifndef DASH_NUM_H
#define DASH_NUM_H

#include <stddef.h>

/* Room for any double: sign, 17 digits, point, "e-308", NUL, and slack. */
#define DASH_NUM_BUFSIZE 32

/*
 * Writes v to out (DASH_NUM_BUFSIZE bytes, NUL-terminated) and returns the
 * length; 0 (nothing written) for NaN and infinities, which JSON lacks.
 */
size_t dash_num_format(char *out, double v);

#endif
