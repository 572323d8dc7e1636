/*
 * milter.h - the libmilter callbacks of triage-milter, as main.c sees
 * them.
 *
 * milter.c owns every callback, the connection and message contexts and
 * the snapshot reference each message holds; main.c only registers the
 * filter and runs smfi_main().  Only the daemon links milter.c (it needs
 * libmilter); triagectl does not.
 */
#ifndef TRIAGE_MILTER_H
#define TRIAGE_MILTER_H

/* Registers the filter description (callbacks, name, the actions it may
 * take) with libmilter.  Returns 0, or -1 when smfi_register() refuses. */
int milter_register(void);

/* Messages started (MAIL FROM seen) and not yet ended, accepted or
 * aborted; main.c waits for 0 before it exits after smfi_stop(). */
unsigned long milter_messages_in_flight(void);

#endif
