# bindings/prolog/build.mk - included by the top Makefile (stub)
