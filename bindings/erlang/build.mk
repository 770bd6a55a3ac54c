# bindings/erlang/build.mk - included by the top Makefile: the Erlang
# module, compiled into bindings/erlang/ebin/ (so that `erl -pa
# bindings/erlang/ebin` is all a user needs) where erlc is installed, and
# nothing otherwise.  The module holds no build paths (PORTHOLE_SOCKET
# overrides its default), so every build writes the same file.
ERLC	?= erlc
ifneq ($(shell command -v $(ERLC) 2>/dev/null),)
BINDINGS += bindings/erlang/ebin/porthole.beam
bindings/erlang/ebin/porthole.beam: bindings/erlang/src/porthole.erl
	@mkdir -p $(@D)
	@$(if $(V),:,echo "  ERLC    $@")
	$(Q)$(ERLC) -o $(@D) $<
endif
