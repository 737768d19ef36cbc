/* runtime/ internal: the attach protocol between an engine container's
 * monitor and its clients (monitor.c, attach.c); see monitor.c's top. */
#ifndef NOOK_RUNTIME_ATTACH_H
#define NOOK_RUNTIME_ATTACH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum frame_type {
	FRAME_STDIN,
	FRAME_STDOUT,
	FRAME_STDERR,
	FRAME_EXIT,
	FRAME_STDIN_EOF,
	FRAME_SIGNAL,
	FRAME_RESIZE,
	FRAME_REMOVED,
	FRAME_HELLO, /* to a client accepted on the attach socket */
	FRAME_DESTROYED, /* --rm: the monitor destroyed the container */
};

struct frame {
	uint32_t type;
	uint32_t len;
};

#define FRAME_MAX 65536

/* A frame of type t with len bytes of data; -1 when the peer went away. */
int rt_frame_send(int fd, enum frame_type t, const void *data, size_t len);

#endif
