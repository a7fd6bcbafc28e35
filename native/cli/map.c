/* Placeholder until the map command lands. */
#include "cli/cli.h"

#include <stdio.h>

int cli_map(int argc, char **argv)
{
    fprintf(stderr, "solder map: not available in this build\n");
    return 1;
}
