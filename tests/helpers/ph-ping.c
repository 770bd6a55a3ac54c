/* SPDX-License-Identifier: ISC */
/*
 * ph-ping.c - a test helper for raw ICMP grants: takes the raw IPv4 ICMP
 * socket handed over on fd 3 (LISTEN_FDS=1, as `porthole run raw:icmp`
 * sets it), sends one echo request to ADDR (default 127.0.0.1) and waits
 * at most 2 s for the matching echo reply.
 *
 *   ph-ping [ADDR]
 *
 * Prints "uid=N" (the socket's owner: the uid column of /proc/net/raw,
 * found by the socket's inode, S47) and then "reply from ADDR" and exits
 * 0, or "error: WHAT" and exits 1.  It never creates a socket itself.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FD	3

static int
fail(const char *what)
{
	printf("error: %s%s%s\n", what, errno ? ": " : "",
	    errno ? strerror(errno) : "");
	return 1;
}

static uint16_t
cksum(const void *p, size_t n)
{
	const uint8_t	*b = p;
	uint32_t	 s = 0;

	for (; n > 1; b += 2, n -= 2)
		s += (uint32_t)(b[0] << 8 | b[1]);
	if (n)
		s += (uint32_t)(b[0] << 8);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return htons((uint16_t)~s);
}

/* The uid column of the /proc/net/raw line whose inode is ino, or -1. */
static long
raw_owner(ino_t ino)
{
	char	 line[512];
	FILE	*f = fopen("/proc/net/raw", "re");
	long	 uid = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long	u, i;

		/* sl local rem st tx:rx tr:tm retr uid timeout inode */
		if (sscanf(line, "%*s %*s %*s %*s %*s %*s %*s %lu %*s %lu",
		    &u, &i) == 2 && i == (unsigned long)ino) {
			uid = (long)u;
			break;
		}
	}
	(void)fclose(f);
	return uid;
}

int
main(int argc, char **argv)
{
	const char		*addr = argc > 1 ? argv[1] : "127.0.0.1";
	const char		*lf = getenv("LISTEN_FDS");
	struct sockaddr_in	 to;
	struct icmphdr		 req;
	struct timespec		 t0, t;
	struct stat		 st;
	struct pollfd		 p = { FD, POLLIN, 0 };
	unsigned char		 buf[2048];
	uint16_t		 id = (uint16_t)(getpid() & 0xffff);
	int			 type = 0, left;
	socklen_t		 sl = sizeof(type);

	errno = 0;
	if (lf == NULL || strcmp(lf, "1") != 0)
		return fail("LISTEN_FDS is not 1");
	if (fstat(FD, &st) == -1 || !S_ISSOCK(st.st_mode))
		return fail("fd 3 is not a socket");
	if (getsockopt(FD, SOL_SOCKET, SO_TYPE, &type, &sl) == -1 ||
	    type != SOCK_RAW)
		return fail("fd 3 is not a raw socket");
	printf("uid=%ld\n", raw_owner(st.st_ino));
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	if (inet_pton(AF_INET, addr, &to.sin_addr) != 1)
		return fail("bad address");
	memset(&req, 0, sizeof(req));
	req.type = ICMP_ECHO;
	req.un.echo.id = htons(id);
	req.un.echo.sequence = htons(1);
	req.checksum = cksum(&req, sizeof(req));
	if (sendto(FD, &req, sizeof(req), 0, (struct sockaddr *)&to,
	    sizeof(to)) == -1)
		return fail("sendto");
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct ip	*ip = (struct ip *)buf;
		struct icmphdr	*ic;
		ssize_t		 n;
		size_t		 hl;

		(void)clock_gettime(CLOCK_MONOTONIC, &t);
		left = 2000 - (int)((t.tv_sec - t0.tv_sec) * 1000 +
		    (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0 || poll(&p, 1, left) <= 0) {
			errno = 0;
			return fail("no echo reply within 2 s");
		}
		if ((n = recv(FD, buf, sizeof(buf), 0)) == -1)
			return fail("recv");
		/* A raw IPv4 socket reads the IP header too; on loopback it
		 * also sees our own request: only our reply counts. */
		if ((size_t)n < sizeof(struct ip))
			continue;
		hl = (size_t)ip->ip_hl * 4;
		if ((size_t)n < hl + sizeof(*ic))
			continue;
		ic = (struct icmphdr *)(buf + hl);
		if (ic->type == ICMP_ECHOREPLY && ntohs(ic->un.echo.id) == id &&
		    ip->ip_src.s_addr == to.sin_addr.s_addr) {
			printf("reply from %s\n", addr);
			return 0;
		}
	}
}
