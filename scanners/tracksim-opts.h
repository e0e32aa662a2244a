/* tracksim-opts: the option table, parsing and --help. */
#ifndef TRACKSIM_OPTS_H
#define TRACKSIM_OPTS_H

#include <stdbool.h>
#include <stddef.h>

#include "tracksim.h"

/* One table drives parsing, --help and scenario.json, so the JSON always
 * lists every parameter that was used. */
extern const struct opt_spec opt_specs[];
extern const size_t n_opt_specs;

/* Parses argv into *o. Returns 0 to run, -1 after printing --help, or the
 * exit status after printing why not. */
int opts_parse(int argc, char **argv, struct options *o);

/* Whether option name was given on the command line. */
bool opts_given(const struct options *o, const char *name);

#endif /* TRACKSIM_OPTS_H */
