/* api_gateway bootstrap (C): lprt loop around suite_handle() in handler.c. */
#include "../../suite/main.c"
