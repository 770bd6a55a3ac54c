# bindings/prolog/build.mk - included by the top Makefile: the foreign
# library of the SWI-Prolog pack `porthole` (bindings/prolog), built into
# the pack's lib/$(PL_ARCH)/ as SWI-Prolog's pack layout has it, when
# swipl and SWI-Prolog.h are installed; nothing otherwise.
#
# swipl is not an ASan program, so the library is never built with
# sanitizers: it is compiled with $(PRELOAD_CFLAGS) and linked with the
# non-sanitized PIC copy of libporthole ($(BUILD)/preload/libpic.a) that
# libporthole-preload.so uses; it exports install_porthole4pl() only.

PL_SWIPL	:= $(shell command -v swipl 2>/dev/null)
ifneq ($(PL_SWIPL),)
PL_VARS		:= $(shell $(PL_SWIPL) --dump-runtime-variables 2>/dev/null)
PL_BASE		:= $(patsubst PLBASE="%";,%,$(filter PLBASE=%,$(PL_VARS)))
PL_ARCH		:= $(patsubst PLARCH="%";,%,$(filter PLARCH=%,$(PL_VARS)))
PL_INC		:= $(PL_BASE)/include
ifneq ($(and $(PL_ARCH),$(wildcard $(PL_INC)/SWI-Prolog.h)),)
PL_DIR		= bindings/prolog
PL_SO		= $(PL_DIR)/lib/$(PL_ARCH)/porthole4pl.so
BINDINGS	+= $(PL_SO)

$(PL_SO): $(PL_DIR)/c/porthole4pl.c $(PL_DIR)/c/porthole4pl.map \
    $(BUILD)/preload/libpic.a $(LIB_HDRS)
	@mkdir -p $(@D)
	@$(if $(V),:,echo "  CC      $@")
	$(Q)$(CC) $(PRELOAD_CFLAGS) -isystem $(PL_INC) -shared \
	    -Wl,--version-script=$(PL_DIR)/c/porthole4pl.map \
	    -Wl,--gc-sections $(LDFLAGS_HARDEN) -pthread $(LDFLAGS) \
	    -o $@ $< $(BUILD)/preload/libpic.a
endif
endif
