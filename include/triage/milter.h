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

/* From now on every new message is answered as on_error says (accepted
 * untouched or deferred) at MAIL FROM, or at end of headers when the MTA
 * agreed not to wait for a reply to MAIL FROM (such a message counts as
 * in flight until it is answered); messages already started go on.  libmilter's smfi_stop() abandons sessions in progress (its worker
 * pool stops serving them), so main.c calls this first, waits for
 * milter_messages_in_flight() to reach 0, and only then smfi_stop(). */
void milter_stop_new_messages(void);

/* Messages started (MAIL FROM seen) and not yet ended, accepted or
 * aborted. */
unsigned long milter_messages_in_flight(void);

/* Messages ended (accepted, refused or aborted) since the start: main.c
 * gives freed memory back to the system after a burst of them. */
unsigned long milter_messages_done(void);

#endif
