/* SPDX-License-Identifier: ISC */
/*
 * fuzz-spec.c - libFuzzer target for the SPECs of `porthole run` and
 * `porthole check` (src/cli/spec.c, S76): no crash; a parsed SPEC names
 * one port, its text parses again to the same grant, and its fd name is
 * never empty and never holds a ':' (LISTEN_FDNAMES' separator).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>

#include "cli.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* spec.c links against nothing else of the command. */
const char	*cli_name = "fuzz-spec";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spec	 sp, sp2;
	const char	*why = NULL;
	char		 buf[1024];

	if (size >= sizeof(buf))
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	if (spec_parse(buf, &sp, &why) != 0) {
		if (why == NULL)
			abort();		/* a refusal says why */
		return 0;
	}
	if (sp.g.port_lo != sp.g.port_hi || sp.name[0] == '\0' ||
	    strchr(sp.name, ':') != NULL || strlen(sp.name) > 255)
		abort();
	if (spec_parse(sp.text, &sp2, &why) != 0 ||
	    memcmp(&sp.g, &sp2.g, sizeof(sp.g)) != 0)
		abort();
	return 0;
}
