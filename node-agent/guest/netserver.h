/*
 * The guest's network services, in a process forked from the checker so they never hold up its memory loop:
 *   TCP http_port (8080): GET / answers "<hostname>\nHEARTBEAT <n>\n" and closes; GET /ping/IP has the guest ping IP
 *   and GET /fetch/IP:PORT has it ask IP:PORT for GET / (how a test sees one guest reach another), each answered with
 *   the output (502 when it failed);
 *   TCP stream_port (7000): one "HEARTBEAT <n>\n" line every heartbeat period, to each connection, for as long as it
 *   stays open.
 * <n> is the checker's own heartbeat counter, shared through a MAP_SHARED page: it is part of guest memory, so it goes
 * on across a live migration without a reset, and a client sees exactly what the console shows.
 */
#ifndef SUPERCLOUD_NETSERVER_H
#define SUPERCLOUD_NETSERVER_H

#include <stdint.h>

/* Forks the server; returns the shared counter the checker must update, or NULL when it could not start. */
volatile uint64_t *netserver_start(uint16_t http_port, uint16_t stream_port, uint64_t heartbeat_ms);

#endif
