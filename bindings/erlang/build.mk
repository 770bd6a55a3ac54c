# bindings/erlang/build.mk - included by the top Makefile (stub)
