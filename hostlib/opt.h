/*
 * Command-line values shared by k210-emu and espat-sim.  A bad value ends
 * the program with status 2 and a message naming the program and option.
 */
#ifndef K210_OPT_H
#define K210_OPT_H

/* A decimal number in min..max. */
unsigned long opt_number(const char *prog, const char *opt, const char *s, unsigned long min, unsigned long max);
/* A probability, 0..1. */
double opt_probability(const char *prog, const char *opt, const char *s);

#endif
