#!/usr/bin/env escript
%% SPDX-License-Identifier: ISC
%%
%% bench_bind.escript N kept|fresh - the time of one bind of
%% 127.0.0.1:80 through the Erlang binding, the socket closed each time:
%% on one kept connection (porthole:connect/0, open_on/2) or on a new
%% connection per bind (open/1).  PORTHOLE_SOCKET names the daemon.
%% Prints one line: ns_per_bind=<float>.  Run as a user granted tcp:80.
%%! -noshell
main([NS, Mode]) ->
    Ebin = filename:join(filename:dirname(filename:dirname(
                                            filename:absname(escript:script_name()))),
                         "ebin"),
    true = code:add_patha(Ebin),
    N = list_to_integer(NS),
    {Open, Done} = case Mode of
                       "kept" ->
                           {ok, C} = porthole:connect(),
                           {fun() -> porthole:open_on(C, "tcp:127.0.0.1:80") end,
                            fun() -> porthole:close(C) end};
                       "fresh" ->
                           {fun() -> porthole:open("tcp:127.0.0.1:80") end,
                            fun() -> ok end}
                   end,
    One = fun() ->
                  case Open() of
                      {ok, Fd} -> ok = porthole:close(Fd);
                      {error, E} ->
                          io:format(standard_error, "bench_bind: ~p ~p~n",
                                    [E, porthole:last_error()]),
                          halt(1)
                  end
          end,
    [One() || _ <- lists:seq(1, min(N, 100))],		% warm up
    T0 = erlang:monotonic_time(nanosecond),
    loop(One, N),
    T1 = erlang:monotonic_time(nanosecond),
    Done(),
    io:format("ns_per_bind=~.1f~n", [(T1 - T0) / N]),
    halt(0);
main(_) ->
    io:format(standard_error, "usage: bench_bind.escript N kept|fresh~n", []),
    halt(2).

loop(_, 0) -> ok;
loop(F, N) -> F(), loop(F, N - 1).
