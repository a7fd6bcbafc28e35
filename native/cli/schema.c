/* Placeholder until the schema command lands. */
#include "cli/cli.h"

#include <stdio.h>

int cli_schema(int argc, char **argv)
{
    fprintf(stderr, "solder schema: not available in this build\n");
    return 1;
}
