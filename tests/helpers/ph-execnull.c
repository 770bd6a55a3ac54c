/* SPDX-License-Identifier: ISC */
/*
 * ph-execnull.c - a test launcher for S1 (PwnKit): execve() PROGRAM with
 * an empty argv (argv = { NULL }) and exactly the environment given.
 *
 *   ph-execnull PROGRAM [NAME=VALUE...]
 *
 * Kernels >= 5.18 turn the empty argv into argc 1, argv[0] "" (and log
 * it); older ones pass argc 0.  Every fd we have (the channel on fd 3)
 * is passed on unchanged.  Returns 127 with a message if execve() fails.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	char	*empty[] = { NULL };

	if (argc < 2) {
		fprintf(stderr, "usage: ph-execnull PROGRAM [NAME=VALUE...]\n");
		return 2;
	}
	/* argv + 2 is NULL-terminated: exactly the environment given. */
	execve(argv[1], empty, argv + 2);
	perror("ph-execnull: execve");
	return 127;
}
