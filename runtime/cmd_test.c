/* cmd_test.c — placeholder, replaced below */
#include "cli.h"
int ed_cmd_test(int argc, char **argv) { (void)argc; (void)argv; return 1; }
