%% SPDX-License-Identifier: ISC
%%
%% porthole_tests.erl - EUnit tests of the Erlang binding.  Without a
%% daemon: the SPEC parser, the encoder against the C client's golden
%% vectors (tests/vectors/requests.txt), the reply decoder, listen_fds/0,
%% and the fd ownership that OTP gives us.  With PORTHOLE_TEST=granted
%% (a user the policy grants tcp:80 and raw:icmp) or PORTHOLE_TEST=denied
%% (one it grants nothing) and PORTHOLE_SOCKET naming a running portholed
%% (tests/root/62-erlang.sh): the real thing, counting fds around it.
%%
%%   erlc -o ebin src/porthole.erl test/porthole_tests.erl
%%   erl -noshell -pa ebin -eval 'eunit:test(porthole, [verbose])' -s init stop
-module(porthole_tests).
-include_lib("eunit/include/eunit.hrl").

fd_count() ->
    {ok, L} = file:list_dir("/proc/self/fd"),
    length(L).

fd_open(Fd) ->
    element(1, file:read_link("/proc/self/fd/" ++ integer_to_list(Fd))) =:= ok.

%% --- no daemon needed -------------------------------------------------

spec_test_() ->
    Ok = fun(S) -> element(1, porthole:parse_spec(S)) end,
    [?_assertEqual(ok, Ok("tcp:80")),
     ?_assertEqual(ok, Ok("tcp:127.0.0.1:80")),
     ?_assertEqual(ok, Ok("tcp:[::1]:443")),
     ?_assertEqual(ok, Ok(<<"udp:53">>)),
     ?_assertEqual(ok, Ok("raw:icmp")),
     ?_assertEqual(ok, Ok("raw6:icmpv6")),
     ?_assertEqual(ok, Ok("raw:17")),
     ?_assertEqual(ok, Ok("packet:eth0")),
     ?_assertEqual({error, einval}, porthole:parse_spec("tcp:0")),
     ?_assertEqual({error, einval}, porthole:parse_spec("tcp:080")),
     ?_assertEqual({error, einval}, porthole:parse_spec("tcp:65536")),
     ?_assertEqual({error, einval}, porthole:parse_spec("tcp:80-90")),
     ?_assertEqual({error, einval}, porthole:parse_spec("tcp:::1:80")),
     ?_assertEqual({error, einval}, porthole:parse_spec("tcp:1.2.3:80")),
     ?_assertEqual({error, einval}, porthole:parse_spec("raw:255")),
     ?_assertEqual({error, einval}, porthole:parse_spec("packet:..")),
     ?_assertEqual({error, einval}, porthole:parse_spec("packet:abcdefghijklmnop")),
     ?_assertEqual({error, einval}, porthole:parse_spec("sctp:80"))].

bad_spec_sentence_test() ->
    ?assertEqual({error, einval}, porthole:open("tcp:x")),
    {einval, S} = porthole:last_error(),
    ?assertMatch("tcp:x: not a SPEC" ++ _, S).

procket_unsupported_test_() ->
    [?_assertEqual({error, einval}, porthole:open(0, [{pipe, "/tmp/x"}])),
     ?_assertEqual({error, einval}, porthole:open(0, [{progname, "sudo"}])),
     ?_assertEqual({error, einval}, porthole:open(0, [{family, netlink}])),
     ?_assertEqual({error, einval},
                   porthole:open(80, [{protocol, tcp}, {interface, "lo"}])),
     ?_assertEqual({error, einval},
                   porthole:open(0, [{protocol, raw}, {type, raw}]))].

vectors_file() ->
    case os:getenv("PORTHOLE_VECTORS") of
        false ->
            Ebin = filename:dirname(code:which(porthole)),
            filename:join([Ebin, "..", "..", "..", "tests", "vectors",
                           "requests.txt"]);
        F -> F
    end.

%% The bytes the C client sends, request ids 1, 2, ... in file order.
vectors_test_() ->
    case file:read_file(vectors_file()) of
        {ok, B} ->
            Lines = [L || L <- string:split(binary_to_list(B), "\n", all),
                          L =/= "", hd(L) =/= $#],
            Cases = lists:zip(lists:seq(1, length(Lines)), Lines),
            [{L, ?_assertEqual(want(L), got(Id, L))} || {Id, L} <- Cases] ++
                [?_assert(length(Lines) >= 10)];
        {error, E} ->
            [{"tests/vectors/requests.txt is readable",
              ?_assertEqual(ok, E)}]
    end.

want(L) ->
    binary:decode_hex(list_to_binary(lists:last(string:lexemes(L, " ")))).

got(Id, L) ->
    case string:lexemes(L, " ") of
        ["bind", F, A, P, Bl, Sc, _] ->
            {ok, Addr} = inet:parse_address(A),
            Bytes = case F of
                        "4" -> <<(list_to_binary(tuple_to_list(Addr)))/binary,
                                 0:96>>;
                        "6" -> << <<W:16/big>> || W <- tuple_to_list(Addr) >>
                    end,
            porthole:encode_bind(Id, case F of "4" -> 2; "6" -> 10 end,
                                 list_to_integer(Bl), Bytes,
                                 list_to_integer(Sc), list_to_integer(P));
        ["open", Spec, _] ->
            {ok, G} = porthole:parse_spec(Spec),
            case G of
                #{kind := raw4, protocol := Pr} -> porthole:encode_open(Id, 3, Pr, "");
                #{kind := raw6, protocol := Pr} -> porthole:encode_open(Id, 4, Pr, "");
                #{kind := packet, ifname := I} -> porthole:encode_open(Id, 5, 0, I)
            end
    end.

reply(Id, Err, Reason) ->
    R = list_to_binary(Reason),
    <<120:32/native, 3:16/native, 1:16/native, Id:32/native, 0:32,
      Err:32/native, 0:32, R/binary, 0:((96 - byte_size(R)) * 8)>>.

decode_reply_test_() ->
    Good = reply(7, 13, "denied by the porthole policy"),
    <<Head:16/binary, _/binary>> = Good,
    [?_assertEqual({ok, 13, "denied by the porthole policy"},
                   porthole:decode_reply(Good, 7)),
     ?_assertEqual({error, ebadmsg}, porthole:decode_reply(Good, 8)),
     ?_assertEqual({error, ebadmsg},
                   porthole:decode_reply(<<Good/binary, 0>>, 7)),
     ?_assertEqual({error, ebadmsg}, porthole:decode_reply(Head, 7)),
     ?_assertEqual({error, ebadmsg},
                   porthole:decode_reply(reply(7, 4096, "x"), 7)),
     ?_assertEqual({error, ebadmsg},
                   porthole:decode_reply(<<(binary:part(Good, 0, 24))/binary,
                                           (binary:copy(<<"a">>, 96))/binary>>,
                                         7))].

listen_fds_test() ->
    Saved = [os:getenv(V) || V <- ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"]],
    os:putenv("LISTEN_PID", os:getpid()),
    os:putenv("LISTEN_FDS", "2"),
    os:putenv("LISTEN_FDNAMES", "tcp-80"),
    ?assertEqual([{"tcp-80", 3}, {"unknown", 4}], porthole:listen_fds()),
    os:putenv("LISTEN_PID", "1"),
    ?assertEqual([], porthole:listen_fds()),
    os:putenv("LISTEN_PID", os:getpid()),
    os:putenv("LISTEN_FDS", "02"),
    ?assertEqual([], porthole:listen_fds()),
    lists:foreach(fun({V, false}) -> os:unsetenv(V);
                     ({V, X}) -> os:putenv(V, X)
                  end, lists:zip(["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"],
                                 Saved)).

%% What the ownership rule rests on (OTP 25): gen_udp with {fd, Fd} does
%% not close Fd, a handle opened with dup => false does not either, and
%% closing the creating handle does.  If OTP changes, this says so.
otp_ownership_test() ->
    {ok, S} = socket:open(inet, dgram, udp),
    {ok, Fd} = socket:getopt(S, otp, fd),
    {ok, U} = gen_udp:open(0, [{fd, Fd}]),
    ok = gen_udp:close(U),
    ?assert(fd_open(Fd)),
    {ok, H} = socket:open(Fd, #{dup => false}),
    ok = socket:close(H),
    ?assert(fd_open(Fd)),
    ok = socket:close(S),
    ?assertNot(fd_open(Fd)).

%% What close/1 of a received fd rests on: an fd that came over
%% SCM_RIGHTS, which no OTP handle owns, is adopted by prim_file, and
%% closing the adopted handle closes it (and only it).  If OTP changes,
%% this says so.  The pair of sockets is in the abstract namespace.
otp_adopt_test() ->
    Name = <<0, "porthole-adopt-", (list_to_binary(os:getpid()))/binary>>,
    {ok, R} = socket:open(local, dgram, default),
    ok = socket:bind(R, #{family => local, path => Name}),
    {ok, W} = socket:open(local, dgram, default),
    {ok, U} = socket:open(inet, dgram, udp),
    {ok, UFd} = socket:getopt(U, otp, fd),
    ok = socket:sendmsg(W, #{addr => #{family => local, path => Name},
                             iov => [<<"x">>],
                             ctrl => [#{level => socket, type => rights,
                                        data => <<UFd:32/native>>}]}),
    {ok, #{ctrl := [#{level := socket, type := rights,
                      data := <<Fd:32/native>>}]}} =
        socket:recvmsg(R, 0, 64, [], 1000),
    ?assert(Fd =/= UFd andalso fd_open(Fd)),
    ?assert(erlang:function_exported(prim_file, file_desc_to_ref, 2)),
    {ok, F} = prim_file:file_desc_to_ref(Fd, [read, binary]),
    ok = prim_file:close(F),
    ?assertNot(fd_open(Fd)),
    ?assert(fd_open(UFd)),
    [ok = socket:close(X) || X <- [R, W, U]].

no_daemon_test() ->
    case os:getenv("PORTHOLE_TEST") of
        false ->
            Before = fd_count(),
            os:putenv("PORTHOLE_SOCKET", "/nonexistent/porthole.sock"),
            R = porthole:open("tcp:127.0.0.1:80"),
            os:unsetenv("PORTHOLE_SOCKET"),
            case R of
                {ok, Fd} -> ok = porthole:close(Fd);	% root: bound directly
                {error, E} ->
                    ?assertEqual(enoent, E),
                    {enoent, S} = porthole:last_error(),
                    ?assertMatch("tcp:127.0.0.1:80: needs privilege, and "
                                 "portholed (/nonexistent/porthole.sock) is "
                                 "not running; the Erlang binding cannot run "
                                 "porthole-helper" ++ _, S)
            end,
            ?assertEqual(Before, fd_count());
        _ -> ok
    end.

%% --- with portholed (tests/root/62-erlang.sh) -------------------------

daemon_test_() ->
    case os:getenv("PORTHOLE_TEST") of
        "granted" -> {timeout, 60, [fun tcp_server/0, fun kept_connection/0,
                                    fun procket_open/0, fun icmp_echo/0]};
        "denied" -> [fun denied/0, fun denied_raw/0];
        _ -> []
    end.

%% A gen_tcp server on port 80, as an unprivileged user, answers a client;
%% afterwards no fd and no connection to the daemon is left.
tcp_server() ->
    Before = fd_count(),
    {ok, Fd} = porthole:open("tcp:127.0.0.1:80"),
    {ok, L} = gen_tcp:listen(0, [{fd, Fd}, binary, {active, false}]),
    ?assertEqual({ok, {{127, 0, 0, 1}, 80}}, inet:sockname(L)),
    Self = self(),
    spawn_link(fun() ->
                       {ok, C} = gen_tcp:connect({127, 0, 0, 1}, 80,
                                                 [binary, {active, false}]),
                       ok = gen_tcp:send(C, <<"ping">>),
                       Self ! {client, gen_tcp:recv(C, 0, 5000)},
                       gen_tcp:close(C)
               end),
    {ok, A} = gen_tcp:accept(L, 5000),
    {ok, <<"ping">>} = gen_tcp:recv(A, 0, 5000),
    ok = gen_tcp:send(A, <<"pong">>),
    receive {client, R} -> ?assertEqual({ok, <<"pong">>}, R)
    after 5000 -> ?assert(false)
    end,
    gen_tcp:close(A),
    gen_tcp:close(L),
    ?assertEqual(ok, porthole:close(Fd)),
    ?assertNot(fd_open(Fd)),
    ?assertEqual({error, ebadf}, porthole:close(Fd)),
    ?assertEqual(Before, fd_count()).

%% Many binds on one kept connection and on fresh ones: the count of fds
%% is the same before and after.
kept_connection() ->
    Before = fd_count(),
    {ok, C} = porthole:connect(),
    lists:foreach(fun(_) ->
                          {ok, Fd} = porthole:open_on(C, "tcp:127.0.0.1:80"),
                          ok = porthole:close(Fd)
                  end, lists:seq(1, 20)),
    ok = porthole:close(C),
    lists:foreach(fun(_) ->
                          {ok, Fd} = porthole:open("udp:53"),
                          ok = porthole:close(Fd)
                  end, lists:seq(1, 5)),
    ?assertEqual(Before, fd_count()).

procket_open() ->
    {ok, Fd} = porthole:open(80, [{protocol, tcp}, {family, inet},
                                  {ip, {127, 0, 0, 1}}]),
    {ok, L} = gen_tcp:listen(0, [{fd, Fd}]),
    ?assertEqual({ok, {{127, 0, 0, 1}, 80}}, inet:sockname(L)),
    gen_tcp:close(L),
    ok = porthole:close(Fd).

%% gen_icmp-style: the raw:icmp socket from the broker under gen_udp, an
%% echo request to 127.0.0.1 and its reply; porthole:close/1 then closes
%% the received fd (through prim_file, README.md): no fd stays behind.
icmp_echo() ->
    Before = fd_count(),
    {ok, Fd} = porthole:open("raw:icmp"),
    {ok, S} = gen_udp:open(0, [binary, {fd, Fd}, inet, {active, false}]),
    Id = list_to_integer(os:getpid()) band 16#ffff,
    Body = <<"porthole">>,
    Sum = csum(<<8, 0, 0:16, Id:16, 1:16, Body/binary>>),
    ok = gen_udp:send(S, {127, 0, 0, 1}, 0,
                      <<8, 0, Sum:16, Id:16, 1:16, Body/binary>>),
    ?assertEqual({ok, Body}, echo_reply(S, Id, 10)),
    gen_udp:close(S),
    ?assertEqual(ok, porthole:close(Fd)),
    ?assertNot(fd_open(Fd)),
    ?assertEqual({error, ebadf}, porthole:close(Fd)),
    ?assertEqual(Before, fd_count()).

%% A raw IPv4 socket reads the IP header too, and sees our own request.
echo_reply(_, _, 0) -> {error, no_reply};
echo_reply(S, Id, N) ->
    case gen_udp:recv(S, 0, 3000) of
        {ok, {_, _, <<4:4, Ihl:4, _/binary>> = P}} ->
            case binary:part(P, Ihl * 4, byte_size(P) - Ihl * 4) of
                <<0, 0, _:16, Id:16, 1:16, Body/binary>> -> {ok, Body};
                _ -> echo_reply(S, Id, N - 1)
            end;
        Other -> Other
    end.

csum(B) -> csum(B, 0).
csum(<<X:16, R/binary>>, A) -> csum(R, A + X);
csum(<<X:8>>, A) -> csum(<<>>, A + (X bsl 8));
csum(<<>>, A) when A > 16#ffff -> csum(<<>>, (A band 16#ffff) + (A bsr 16));
csum(<<>>, A) -> bnot A band 16#ffff.

%% A user the policy grants nothing: eacces, and the sentence of
%% `porthole run' (62-erlang.sh compares it with the C tool's).
denied() ->
    Before = fd_count(),
    %% portholed answers a user it grants nothing once per connection,
    %% then closes it (docs/PROTOCOL.md 8.3): one request on a kept one.
    {ok, C} = porthole:connect(),
    ?assertEqual({error, eacces}, porthole:open_on(C, "tcp:127.0.0.1:80")),
    ok = porthole:close(C),
    ?assertEqual({error, eacces}, porthole:open("tcp:127.0.0.1:80")),
    {eacces, S} = porthole:last_error(),
    ?assertMatch("tcp:127.0.0.1:80: denied by the porthole policy; to allow "
                 "it, add a line such as 'allow user " ++ _, S),
    case os:getenv("PORTHOLE_SENTENCE_OUT") of
        false -> ok;
        F -> ok = file:write_file(F, S)
    end,
    ?assertEqual(Before, fd_count()).

denied_raw() ->
    Before = fd_count(),
    ?assertEqual({error, eacces}, porthole:open("raw:icmp")),
    {eacces, S} = porthole:last_error(),
    ?assertMatch("raw:icmp: denied by the porthole policy" ++ _, S),
    ?assertEqual(Before, fd_count()).
