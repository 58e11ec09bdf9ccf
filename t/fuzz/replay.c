/*
 * A main() for the fuzz targets without libFuzzer: runs
 * LLVMFuzzerTestOneInput once on every file named (or every file of every
 * folder named). `make fuzz-replay` builds it with the project's compiler
 * and runs the committed corpora through it, so every input a fuzzer ever
 * kept, crashes included, is a regression test of `make check`.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long n;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0
        || fseek(f, 0, SEEK_SET) != 0) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        if (f) {
            fclose(f);
        }
        return 1;
    }
    /* An exact-size copy, so ASan sees any read past the input. */
    buf = malloc(n ? (size_t)n : 1);
    if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        fclose(f);
        free(buf);
        return 1;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(buf, (size_t)n);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    int i, bad = 0, count = 0, in_dir;

    for (i = 1; i < argc; i++) {
        struct stat st;
        DIR *d;
        struct dirent *e;

        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: not found\n", argv[i]);
            bad = 1;
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            bad |= run_file(argv[i]);
            count++;
            continue;
        }
        if ((d = opendir(argv[i])) == NULL) {
            fprintf(stderr, "replay: cannot open %s\n", argv[i]);
            bad = 1;
            continue;
        }
        in_dir = 0;
        while ((e = readdir(d)) != NULL) {
            char path[4096];
            if (e->d_name[0] == '.') {
                continue;
            }
            if (snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name)
                >= (int)sizeof(path)) {
                fprintf(stderr, "replay: path too long in %s\n", argv[i]);
                bad = 1;
                continue;
            }
            bad |= run_file(path);
            in_dir++;
        }
        closedir(d);
        /* A corpus folder emptied or misnamed would otherwise pass as
         * "nothing crashed". */
        if (in_dir == 0) {
            fprintf(stderr, "replay: %s holds no input\n", argv[i]);
            bad = 1;
        }
        count += in_dir;
    }
    printf("replayed %d inputs\n", count);
    if (count == 0) {
        fprintf(stderr, "replay: no input replayed\n");
        return 1;
    }
    return bad;
}
