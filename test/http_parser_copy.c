/*
 * http_parser_copy.c -- http_parser.c compiled into test/regress, whose
 * cases call the functions the shared library keeps hidden.
 */
#include "http_parser.c"
