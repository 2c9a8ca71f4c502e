/* db_query bootstrap (C): open the database in init (suite_init), then
 * the lprt loop around suite_handle() in handler.c. */
#define SUITE_INIT
#include "../../suite/main.c"
