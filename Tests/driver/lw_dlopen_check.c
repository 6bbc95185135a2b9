/*
 * lw_dlopen_check.c - proves a shared object loads with RTLD_NOW.
 *
 *   lw_dlopen_check [--expect-symbols a,b,c] FILE
 *
 * Prints "ok" or the dlerror text; with --expect-symbols also checks each
 * name with dlsym and prints "missing: NAME" for any that is absent.
 * Exit: 0 loaded (and all symbols found), 1 otherwise, 2 usage error.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    char *symbols = NULL;
    const char *file = NULL;
    int missing = 0, bad_usage = 0;
    void *handle;

    for (int i = 1; i < argc && !bad_usage; i++) {
        if (strcmp(argv[i], "--expect-symbols") == 0 && i + 1 < argc && symbols == NULL)
            symbols = argv[++i];
        else if (argv[i][0] != '-' && file == NULL)
            file = argv[i];
        else
            bad_usage = 1;
    }
    if (bad_usage || file == NULL) {
        fprintf(stderr, "usage: lw_dlopen_check [--expect-symbols a,b,c] FILE\n");
        return 2;
    }

    handle = dlopen(file, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        printf("%s\n", dlerror());
        return 1;
    }
    for (char *save = NULL, *name = symbols ? strtok_r(symbols, ",", &save) : NULL;
         name != NULL; name = strtok_r(NULL, ",", &save)) {
        (void)dlerror();
        if (dlsym(handle, name) == NULL) {
            printf("missing: %s\n", name);
            missing = 1;
        }
    }
    if (missing)
        return 1;
    printf("ok\n");
    return 0;
}
