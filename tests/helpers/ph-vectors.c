/* SPDX-License-Identifier: ISC */
/*
 * ph-vectors.c - the golden request vectors (tests/vectors/requests.txt)
 * as the C client encodes them, so that the file, the C encoder and the
 * bindings' encoders cannot drift apart.
 *
 *   ph-vectors FILE
 *
 * reads FILE and prints it again with the last field of every request
 * line replaced by the bytes that ph_broker_bind() or ph_broker_open()
 * really send, in hex; comments and blank lines are copied.  So the
 * output equals FILE exactly when the C client agrees with it (the test
 * compares them with cmp).  Request lines:
 *
 *   bind 4|6 ADDR PORT BACKLOG SCOPE_ID HEX
 *   open SPEC HEX
 *
 * The request ids are those of a fresh process: 1, 2, 3... in file
 * order.  Each call goes over a socketpair whose other end already holds
 * the reply (EACCES for the expected id), queued before the call, so no
 * broker, thread or child is needed; the request is then read back from
 * that end and the fd that came with a bind is closed.
 *
 * Exit 0 when every line could be encoded, 1 otherwise (with a message).
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "porthole.h"

#define REPLY_LEN	120	/* struct ph_msg_reply, PROTOCOL.md 4.3 */

/* Queue a PH_MSG_REPLY for request `id` with error EACCES on `sock`. */
static int
queue_reply(int sock, uint32_t id)
{
	unsigned char	m[REPLY_LEN];
	uint32_t	len = REPLY_LEN, res = 0;
	uint16_t	type = 3, version = 1;
	int32_t		error = EACCES;
	const char	*reason = "denied by the porthole policy";

	memset(m, 0, sizeof(m));
	memcpy(m, &len, 4);
	memcpy(m + 4, &type, 2);
	memcpy(m + 6, &version, 2);
	memcpy(m + 8, &id, 4);
	memcpy(m + 12, &res, 4);
	memcpy(m + 16, &error, 4);
	memcpy(m + 24, reason, strlen(reason));
	return send(sock, m, sizeof(m), MSG_NOSIGNAL) == (ssize_t)sizeof(m) ?
	    0 : -1;
}

/* Read back the request at `sock`, close any fd, print it in hex. */
static int
print_request(int sock)
{
	unsigned char	buf[256];
	int		fds[1];
	size_t		nfds = 1, i;
	ssize_t		n;

	n = ph_recv_fds(sock, buf, sizeof(buf), fds, &nfds);
	if (n <= 0)
		return -1;
	if (nfds == 1)
		ph_fd_close(&fds[0]);
	for (i = 0; i < (size_t)n; i++)
		printf("%02x", buf[i]);
	printf("\n");
	return 0;
}

/* One request line (without its hex): encode through the library. */
static int
encode(char *line, uint32_t id)
{
	struct sockaddr_in6	sin6;
	struct sockaddr_in	sin;
	char			cmd[8], fam[4], addr[64], spec[64];
	unsigned		port, backlog, scope;
	int			sp[2] = { -1, -1 }, fd = -1, r = -1, got;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == -1 ||
	    queue_reply(sp[1], id) < 0)
		goto out;
	if (sscanf(line, "%7s", cmd) == 1 && strcmp(cmd, "bind") == 0) {
		if (sscanf(line, "bind %3s %63s %u %u %u", fam, addr, &port,
		    &backlog, &scope) != 5)
			goto out;
		if (strcmp(fam, "4") == 0) {
			memset(&sin, 0, sizeof(sin));
			sin.sin_family = AF_INET;
			sin.sin_port = htons((uint16_t)port);
			if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1 ||
			    (fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC,
			    0)) == -1)
				goto out;
			got = ph_broker_bind(sp[0], fd, (struct sockaddr *)&sin,
			    sizeof(sin), (int)backlog, 0, NULL, 0);
		} else {
			memset(&sin6, 0, sizeof(sin6));
			sin6.sin6_family = AF_INET6;
			sin6.sin6_port = htons((uint16_t)port);
			sin6.sin6_scope_id = scope;
			if (inet_pton(AF_INET6, addr, &sin6.sin6_addr) != 1 ||
			    (fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC,
			    0)) == -1)
				goto out;
			got = ph_broker_bind(sp[0], fd,
			    (struct sockaddr *)&sin6, sizeof(sin6),
			    (int)backlog, 0, NULL, 0);
		}
	} else if (sscanf(line, "open %63s", spec) == 1)
		got = ph_broker_open(sp[0], spec, 0, NULL, 0);
	else
		goto out;
	/* The queued reply was taken as the answer to this very id. */
	if (got != -EACCES) {
		fprintf(stderr, "ph-vectors: %s: %s\n", line, strerror(-got));
		goto out;
	}
	r = print_request(sp[1]);
 out:
	ph_fd_close(&fd);
	ph_fd_close(&sp[0]);
	ph_fd_close(&sp[1]);
	return r;
}

int
main(int argc, char **argv)
{
	char		 line[512], *sp;
	FILE		*f;
	uint32_t	 id = 1;
	int		 rc = 0;

	if (argc != 2 || (f = fopen(argv[1], "re")) == NULL) {
		fprintf(stderr, "usage: ph-vectors FILE\n");
		return 2;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#' || line[0] == '\n') {
			fputs(line, stdout);
			continue;
		}
		line[strcspn(line, "\n")] = '\0';
		/* Everything up to the last field, which is the hex. */
		if ((sp = strrchr(line, ' ')) == NULL) {
			fprintf(stderr, "ph-vectors: no hex in '%s'\n", line);
			rc = 1;
			continue;
		}
		*sp = '\0';
		printf("%s ", line);
		fflush(stdout);
		if (encode(line, id++) < 0) {
			printf("ERROR\n");
			rc = 1;
		}
	}
	fclose(f);
	return rc;
}
