%% SPDX-License-Identifier: ISC
%%
%% porthole.erl - privileged sockets without root, from Erlang: the client
%% side of the porthole broker protocol (docs/PROTOCOL.md), in pure
%% Erlang on OTP's `socket' module (OTP 23 or later).  Mirrors
%% src/lib/broker.c: the caller creates its own TCP or UDP socket and
%% portholed binds it in place (TCP comes back listening); raw and packet
%% sockets are created by portholed and sent back over SCM_RIGHTS.
%%
%% The daemon must be root: its uid is read with SO_PEERCRED through
%% socket:getopt_native/3 (OTP has no peercred option), before anything
%% is sent (S28).  porthole-helper is never run: pure Erlang cannot put a
%% socketpair end on fd 3 of a child (docs/PROTOCOL.md 1.2), so without
%% a daemon the connect error is returned as it is.
%%
%% Ownership.  OTP closes a socket only through the handle that created
%% it: gen_tcp and gen_udp never close an fd given with {fd, Fd}, and a
%% handle made with socket:open(Fd, #{dup => false}) does not close it
%% either (both measured on OTP 25, test/porthole_tests.erl).  So a TCP or
%% UDP fd from open/1,2 stays owned by the socket handle that made it, in
%% the calling process: porthole:close(Fd) closes it (procket's close/1
%% contract: after gen_tcp:close/1), and it is closed when that process
%% exits.  An fd received from the broker (raw, packet) has no such
%% owner: close(Fd) adopts it as a file handle of prim_file, erts's own
%% file layer, whose close is close(2) (close_received/1); see README.md.
-module(porthole).

-export([open/1, open/2, open_on/2, connect/0, close/1, listen_fds/0,
         last_error/0]).
%% The wire format and the SPEC parser, for the tests and for callers
%% that speak the protocol themselves.
-export([parse_spec/1, encode_bind/6, encode_open/4, decode_reply/2,
         socket_path/0, sentence/3]).

%% Paths of a default build (config.mk); the environment overrides them
%% as it does for libporthole (PORTHOLE_SOCKET, PORTHOLE_HELPER), and
%% PORTHOLE_POLICY names the policy in denial sentences.
-define(BROKER_SOCK, "/run/porthole/porthole.sock").
-define(HELPER_PATH, "/usr/local/libexec/porthole-helper").
-define(POLICY_PATH, "/usr/local/etc/porthole/policy").

-define(PROTO_VERSION, 1).
-define(MSG_BIND, 1).
-define(MSG_OPEN, 2).
-define(MSG_REPLY, 3).
-define(REQ_LEN, 48).
-define(REPLY_LEN, 120).
-define(MSG_MAX, 256).
-define(REASON_MAX, 96).
-define(OPEN_RAW4, 3).
-define(OPEN_RAW6, 4).
-define(OPEN_PACKET, 5).
-define(AF_INET, 2).
-define(AF_INET6, 10).
-define(AF_PACKET, 17).
-define(SOCK_RAW, 3).
%% Linux SOL_SOCKET option numbers (asm-generic; x86-64 and arm64).
-define(SO_TYPE, 3).
-define(SO_PEERCRED, 17).
-define(SO_PROTOCOL, 38).
-define(SO_DOMAIN, 39).
-define(REPLY_TIMEOUT, 10000).		% ms a broker may take (broker.c)
-define(BACKLOG, 4096).
-define(NO_POLICY_DAEMON,
        "portholed has no valid policy: see `journalctl -u portholed`").
-define(NO_POLICY_HELPER,
        "porthole-helper has no valid policy: see the system log").

-record(ph_conn, {sock}).

-type posix() :: atom().
-opaque conn() :: #ph_conn{}.
-export_type([conn/0]).

%% ---------------------------------------------------------------------
%% The API
%% ---------------------------------------------------------------------

%% open(Spec) -> {ok, Fd} | {error, Posix}
%% A bound socket for a SPEC of `porthole run' (tcp:PORT, tcp:ADDR:PORT,
%% tcp:[ADDR6]:PORT, udp:..., raw:icmp, raw6:icmpv6, raw:N, raw6:N,
%% packet:IFNAME), TCP listening, over a new connection to portholed.
%% Use it with gen_tcp:listen(0, [{fd, Fd}]) or gen_udp:open(0, [{fd, Fd}])
%% and close it with porthole:close(Fd) after gen_tcp:close/1.  On error,
%% last_error/0 has the sentence the C tools print.
-spec open(string() | binary()) -> {ok, integer()} | {error, posix()}.
open(Spec) ->
    open_on(none, Spec).

%% open(Port, Options): the
%% subset of procket:open/2 that a broker can grant.
-spec open(0..65535, list()) -> {ok, integer()} | {error, posix()}.
open(Port, Options) when is_integer(Port), is_list(Options) ->
    case procket_spec(Port, Options) of
        {ok, Spec} -> open_on(none, Spec);
        {error, Why} ->
            fail(einval, io_lib:format("~p: ~s", [Options, Why]))
    end.

%% open_on(Conn | none, Spec): open/1 on a kept connection (connect/0), or
%% on a new one for `none'.
-spec open_on(conn() | none, string() | binary()) ->
          {ok, integer()} | {error, posix()}.
open_on(Conn, Spec0) ->
    Spec = to_list(Spec0),
    case parse_spec(Spec) of
        {ok, G} ->
            case maps:get(kind, G) of
                K when K =:= tcp; K =:= udp -> open_inet(Conn, G);
                _ -> open_raw(Conn, G)
            end;
        {error, einval} ->
            fail(einval, Spec ++ ": not a SPEC (tcp:PORT, tcp:ADDR:PORT, "
                 "tcp:[ADDR6]:PORT, udp:..., raw:icmp, raw6:icmpv6, raw:N, "
                 "raw6:N, packet:IFNAME)")
    end.

%% connect() -> {ok, Conn} | {error, Posix}: a connection to portholed,
%% kept for any number of requests, one at a time; close/1 ends it.
%% eperm: the socket answered but its peer is not root (S28).
-spec connect() -> {ok, conn()} | {error, posix()}.
connect() ->
    Path = socket_path(),
    case socket:open(local, seqpacket, default) of
        {ok, S} ->
            case daemon_connect(S, Path) of
                ok -> {ok, #ph_conn{sock = S}};
                {error, _} = E -> _ = socket:close(S), E
            end;
        {error, _} = E -> E
    end.

daemon_connect(S, Path) ->
    case socket:connect(S, #{family => local,
                             path => unicode:characters_to_binary(Path)}) of
        ok ->
            case peer_uid(S) of
                {ok, 0} -> ok;
                {ok, _} -> {error, eperm};
                {error, _} -> {error, eperm}	% unknown is not root
            end;
        {error, _} = E -> E
    end.

%% close(Conn) ends a kept connection; close(Fd) closes an fd that open/1,2
%% returned to this process.  {error, ebadf} for an fd this process does
%% not own through porthole; {error, enotsup} for a raw or packet fd from
%% the broker on an OTP without prim_file:file_desc_to_ref/2 (README.md).
-spec close(conn() | integer()) -> ok | {error, posix()}.
close(#ph_conn{sock = S}) ->
    _ = socket:close(S),
    ok;
close(Fd) when is_integer(Fd) ->
    case erase({?MODULE, fd, Fd}) of
        undefined -> {error, ebadf};
        received ->
            case close_received(Fd) of
                ok -> ok;
                E -> put({?MODULE, fd, Fd}, received), E
            end;
        S -> socket:close(S)
    end.

%% An fd that came over SCM_RIGHTS has no owner in OTP's socket layer (a
%% handle on it, made with dup => false, never closes it).  prim_file,
%% the file layer erts preloads (OTP 21 on), adopts a descriptor number
%% as a file handle, and closing that handle is close(2).  The function
%% is exported but not documented: where it is missing, {error, enotsup},
%% and the fd stays open until the VM exits.
close_received(Fd) ->
    case erlang:function_exported(prim_file, file_desc_to_ref, 2) of
        true ->
            case prim_file:file_desc_to_ref(Fd, [read, binary]) of
                {ok, H} -> prim_file:close(H);
                {error, _} = E -> E
            end;
        false -> {error, enotsup}
    end.

%% listen_fds() -> [{Name, Fd}]: the sockets handed over by socket
%% activation (`porthole run', systemd): fds 3 onward, when LISTEN_PID
%% is this OS process; names from LISTEN_FDNAMES ("unknown" if missing).
-spec listen_fds() -> [{string(), integer()}].
listen_fds() ->
    Pid = os:getenv("LISTEN_PID"),
    case {Pid =:= os:getpid(), strict_uint(os:getenv("LISTEN_FDS"), 1, 65536)} of
        {true, {ok, N}} ->
            Names = case os:getenv("LISTEN_FDNAMES") of
                        false -> [];
                        S -> string:split(S, ":", all)
                    end,
            [{fd_name(I, Names), 3 + I} || I <- lists:seq(0, N - 1)];
        _ -> []
    end.

fd_name(I, Names) when I < length(Names) -> lists:nth(I + 1, Names);
fd_name(_, _) -> "unknown".

%% last_error() -> {Posix, Sentence} | none: why the last open/1,2 or
%% open_on/2 of this process failed, in the words of `porthole run'.
-spec last_error() -> {posix(), string()} | none.
last_error() ->
    case get({?MODULE, last_error}) of
        undefined -> none;
        E -> E
    end.

%% The daemon's socket: PORTHOLE_SOCKET when absolute, as broker.c.
-spec socket_path() -> string().
socket_path() -> env_path("PORTHOLE_SOCKET", ?BROKER_SOCK).

%% ---------------------------------------------------------------------
%% TCP and UDP: the caller's own socket, bound in place
%% ---------------------------------------------------------------------

%% No address: IPv6 any with IPV6_V6ONLY off (both families), or IPv4 any
%% where there is no IPv6, as `porthole run' does; an IPv6 address is that
%% family only.
open_inet(Conn, #{kind := Kind, family := Fam0} = G) ->
    {Type, Proto} = case Kind of tcp -> {stream, tcp}; udp -> {dgram, udp} end,
    Opened = case Fam0 of
                 any ->
                     case socket:open(inet6, Type, Proto) of
                         {ok, S6} -> {ok, S6, inet6};
                         {error, _} ->
                             case socket:open(inet, Type, Proto) of
                                 {ok, S4} -> {ok, S4, inet};
                                 E -> E
                             end
                     end;
                 F ->
                     case socket:open(F, Type, Proto) of
                         {ok, S} -> {ok, S, F};
                         E -> E
                     end
             end,
    case Opened of
        {ok, Sock, Fam} ->
            case bind_inet(Conn, Sock, Fam, G) of
                ok ->
                    {ok, Fd} = socket:getopt(Sock, otp, fd),
                    put({?MODULE, fd, Fd}, Sock),
                    {ok, Fd};
                {error, Posix, Sentence} ->
                    _ = socket:close(Sock),
                    fail(Posix, Sentence)
            end;
        {error, Posix} ->
            fail(Posix, spec_text(G) ++ ": " ++ strerror(Posix))
    end.

bind_inet(Conn, S, Fam, #{kind := Kind, family := Fam0, port := Port} = G) ->
    Addr = case {Fam, Fam0} of
               {inet, any} -> {0, 0, 0, 0};
               {inet6, any} -> {0, 0, 0, 0, 0, 0, 0, 0};
               _ -> maps:get(addr, G)
           end,
    SetV6 = case Fam of
                inet6 -> socket:setopt(S, ipv6, v6only, Fam0 =:= inet6);
                inet -> ok
            end,
    %% TCP servers restart over TIME_WAIT; never SO_REUSEPORT (S48).
    SetRA = case Kind of
                tcp -> socket:setopt(S, socket, reuseaddr, true);
                udp -> ok
            end,
    SA = #{family => Fam, addr => Addr, port => Port},
    case {SetV6, SetRA} of
        {ok, ok} ->
            case socket:bind(S, SA) of
                ok when Kind =:= tcp -> listen_direct(S, G);
                ok -> ok;
                {error, eacces} -> broker_bind(Conn, S, Fam, Addr, Port, G);
                {error, E} -> {error, E, spec_text(G) ++ ": " ++ strerror(E)}
            end;
        _ ->
            E = err_of(SetV6, SetRA),
            {error, E, spec_text(G) ++ ": " ++ strerror(E)}
    end.

err_of({error, E}, _) -> E;
err_of(_, {error, E}) -> E.

listen_direct(S, G) ->
    case socket:listen(S, ?BACKLOG) of
        ok -> ok;
        {error, E} -> {error, E, spec_text(G) ++ ": " ++ strerror(E)}
    end.

broker_bind(Conn, S, Fam, Addr, Port, G) ->
    {ok, Fd} = socket:getopt(S, otp, fd),
    Id = next_id(),
    Wire = case Fam of inet -> ?AF_INET; inet6 -> ?AF_INET6 end,
    Req = encode_bind(Id, Wire, 0, addr_bytes(Addr), 0, Port),
    case ask(Conn, Req, Id, Fd, false) of
        {ok, _Reason, none} -> ok;
        {error, Posix, Reason} -> {error, Posix, sentence(G, Posix, Reason)}
    end.

%% ---------------------------------------------------------------------
%% Raw and packet: made here if we may, else by the broker
%% ---------------------------------------------------------------------

open_raw(Conn, #{kind := Kind} = G) ->
    Direct = case Kind of
                 raw4 -> socket:open(inet, raw, maps:get(protocol, G));
                 raw6 -> socket:open(inet6, raw, maps:get(protocol, G));
                 packet -> {error, eperm}	% bound by the broker only
             end,
    case Direct of
        {ok, S} ->
            {ok, Fd} = socket:getopt(S, otp, fd),
            put({?MODULE, fd, Fd}, S),
            {ok, Fd};
        {error, E} when E =:= eperm; E =:= eacces ->
            broker_open(Conn, G);
        {error, E} ->
            fail(E, spec_text(G) ++ ": " ++ strerror(E))
    end.

broker_open(Conn, #{kind := Kind} = G) ->
    Id = next_id(),
    {WKind, Proto, If} = case Kind of
                             raw4 -> {?OPEN_RAW4, maps:get(protocol, G), ""};
                             raw6 -> {?OPEN_RAW6, maps:get(protocol, G), ""};
                             packet -> {?OPEN_PACKET, 0, maps:get(ifname, G)}
                         end,
    Req = encode_open(Id, WKind, Proto, If),
    case ask(Conn, Req, Id, none, true) of
        {ok, _Reason, Fd} ->
            case fd_matches(Fd, G) of
                true ->
                    put({?MODULE, fd, Fd}, received),
                    {ok, Fd};
                false ->
                    forget(Fd),
                    fail(eproto, spec_text(G) ++ ": " ++ strerror(eproto))
            end;
        {error, Posix, Reason} ->
            fail(Posix, sentence(G, Posix, Reason))
    end.

%% Is the received fd the socket asked for (S28)?  Read through a handle
%% that does not own it (dup => false: closing the handle leaves the fd).
fd_matches(Fd, G) ->
    case socket:open(Fd, #{dup => false}) of
        {ok, H} ->
            R = {socket:getopt_native(H, {socket, ?SO_DOMAIN}, integer),
                 socket:getopt_native(H, {socket, ?SO_TYPE}, integer),
                 socket:getopt_native(H, {socket, ?SO_PROTOCOL}, integer)},
            _ = socket:close(H),
            case {R, G} of
                {{{ok, ?AF_INET}, {ok, ?SOCK_RAW}, {ok, P}},
                 #{kind := raw4, protocol := P}} -> true;
                {{{ok, ?AF_INET6}, {ok, ?SOCK_RAW}, {ok, P}},
                 #{kind := raw6, protocol := P}} -> true;
                {{{ok, ?AF_PACKET}, {ok, ?SOCK_RAW}, _},
                 #{kind := packet}} -> true;
                _ -> false
            end;
        {error, _} -> false
    end.

%% ---------------------------------------------------------------------
%% One request: on Conn, or on a new connection
%% ---------------------------------------------------------------------

%% -> {ok, Reason, Fd | none} | {error, Posix, Reason}
ask(none, Req, Id, SendFd, WantFd) ->
    case connect() of
        {ok, C} ->
            try transact(C, Req, Id, SendFd, WantFd)
            after close(C)
            end;
        {error, E} -> {error, E, no_daemon}
    end;
ask(#ph_conn{} = C, Req, Id, SendFd, WantFd) ->
    transact(C, Req, Id, SendFd, WantFd).

transact(#ph_conn{sock = S}, Req, Id, SendFd, WantFd) ->
    Msg = case SendFd of
              none -> #{iov => [Req]};
              Fd -> #{iov => [Req],
                      ctrl => [#{level => socket, type => rights,
                                 data => <<Fd:32/native>>}]}
          end,
    case socket:sendmsg(S, Msg, [nosignal], ?REPLY_TIMEOUT) of
        ok -> receive_reply(S, Id, WantFd);
        {error, E} -> {error, transport(E), ""}
    end.

receive_reply(S, Id, WantFd) ->
    case socket:recvmsg(S, ?MSG_MAX, 64, [cmsg_cloexec], ?REPLY_TIMEOUT) of
        {ok, #{iov := Iov} = M} ->
            Bin = iolist_to_binary(Iov),
            Flags = maps:get(flags, M, []),
            Fds = rights(maps:get(ctrl, M, [])),
            Trunc = lists:member(trunc, Flags) orelse
                lists:member(ctrunc, Flags),
            check_reply(Bin, Id, Fds, Trunc, WantFd);
        {error, E} -> {error, transport(E), ""}
    end.

check_reply(<<>>, _, _, _, _) ->
    {error, econnreset, ""};
check_reply(_, _, Fds, true, _) ->
    remember(Fds),
    {error, emsgsize, ""};
check_reply(Bin, Id, Fds, false, WantFd) ->
    case {decode_reply(Bin, Id), Fds, WantFd} of
        {{error, ebadmsg}, _, _} -> remember(Fds), {error, ebadmsg, ""};
        {{ok, 0, Reason}, [Fd], true} -> {ok, Reason, Fd};
        {{ok, 0, Reason}, [], false} -> {ok, Reason, none};
        {{ok, 0, _}, [], true} -> {error, eproto, ""};
        {{ok, 0, _}, _, _} -> remember(Fds), {error, emsgsize, ""};
        {{ok, Err, Reason}, _, _} -> remember(Fds), {error, posix(Err), Reason}
    end.

%% The fds of SCM_RIGHTS control messages; {bad, Fds} for anything else.
rights(Ctrl) ->
    lists:append([fds_of(D) || #{level := socket, type := rights, data := D}
                                   <- Ctrl]).

fds_of(<<Fd:32/native-signed, Rest/binary>>) -> [Fd | fds_of(Rest)];
fds_of(_) -> [].

%% Fds that came when none was wanted, or not as asked: closed at once
%% (close_received/1); one that cannot be is left known to close/1.
remember(Fds) ->
    [forget(F) || F <- Fds],
    ok.

forget(Fd) ->
    case close_received(Fd) of
        ok -> ok;
        _ -> put({?MODULE, fd, Fd}, received)
    end.

transport(timeout) -> etimedout;
transport(closed) -> econnreset;
transport(econnreset) -> econnreset;
transport(epipe) -> econnreset;
transport({completion_status, #{info := I}}) -> transport(I);
transport(E) when is_atom(E) -> E;
transport(_) -> eproto.

%% ---------------------------------------------------------------------
%% The wire (docs/PROTOCOL.md 3 and 4), host byte order
%% ---------------------------------------------------------------------

hdr(Type, Len, Id) ->
    <<Len:32/native, Type:16/native, ?PROTO_VERSION:16/native,
      Id:32/native, 0:32/native>>.

%% encode_bind(Id, Family (2 | 10), Backlog, Addr (16 bytes, network
%% order), ScopeId, Port) -> the 48-byte PH_MSG_BIND.
-spec encode_bind(non_neg_integer(), 2 | 10, 0..4096, binary(),
                  non_neg_integer(), 1..65535) -> binary().
encode_bind(Id, Family, Backlog, <<_:16/binary>> = Addr, Scope, Port) ->
    <<(hdr(?MSG_BIND, ?REQ_LEN, Id))/binary, Family:32/native,
      Backlog:32/native, Addr/binary, Scope:32/native, Port:16/native,
      0:16/native>>.

%% encode_open(Id, Kind (3 | 4 | 5), Protocol, IfName) -> the 48-byte
%% PH_MSG_OPEN; IfName is "" for raw kinds.
-spec encode_open(non_neg_integer(), 3..5, 0..254, string()) -> binary().
encode_open(Id, Kind, Proto, IfName) ->
    If = list_to_binary(IfName),
    Pad = 16 - byte_size(If),
    <<(hdr(?MSG_OPEN, ?REQ_LEN, Id))/binary, Kind:32/native, Proto:32/native,
      If/binary, 0:(Pad * 8), 0:32, 0:32>>.

%% decode_reply(Bin, Id) -> {ok, Errno, Reason} | {error, ebadmsg}: the
%% checks of ph__reply_decode().
-spec decode_reply(binary(), non_neg_integer()) ->
          {ok, non_neg_integer(), string()} | {error, ebadmsg}.
decode_reply(<<?REPLY_LEN:32/native, ?MSG_REPLY:16/native,
               ?PROTO_VERSION:16/native, Id:32/native, 0:32/native,
               Err:32/native-signed, 0:32/native,
               Reason:?REASON_MAX/binary>>, Id)
  when Err >= 0, Err =< 4095 ->
    case binary:split(Reason, <<0>>) of
        [Text, _] -> {ok, Err, binary_to_list(Text)};
        [_] -> {error, ebadmsg}
    end;
decode_reply(_, _) ->
    {error, ebadmsg}.

next_id() ->
    erlang:unique_integer([positive, monotonic]) band 16#ffffffff.

peer_uid(S) ->
    case socket:getopt_native(S, {socket, ?SO_PEERCRED}, 12) of
        {ok, <<_Pid:32/native, Uid:32/native, _Gid:32/native>>} -> {ok, Uid};
        {ok, _} -> {error, ebadmsg};
        {error, _} = E -> E
    end.

addr_bytes({A, B, C, D}) -> <<A, B, C, D, 0:96>>;
addr_bytes({_, _, _, _, _, _, _, _} = T) ->
    << <<W:16/big>> || W <- tuple_to_list(T) >>.

%% ---------------------------------------------------------------------
%% SPECs (src/lib/grant.c, one port)
%% ---------------------------------------------------------------------

%% parse_spec(Spec) -> {ok, Map} | {error, einval}
-spec parse_spec(string() | binary()) -> {ok, map()} | {error, einval}.
parse_spec(Spec0) ->
    Spec = to_list(Spec0),
    try parse(Spec) of
        {ok, G} -> {ok, G#{text => Spec}};
        error -> {error, einval}
    catch
        _:_ -> {error, einval}
    end.

parse("tcp:" ++ R) -> parse_inet(tcp, R);
parse("udp:" ++ R) -> parse_inet(udp, R);
parse("raw:icmp") -> {ok, #{kind => raw4, protocol => 1}};
parse("raw6:icmpv6") -> {ok, #{kind => raw6, protocol => 58}};
parse("raw:" ++ N) -> raw(raw4, N);
parse("raw6:" ++ N) -> raw(raw6, N);
parse("packet:" ++ If) ->
    case ifname_ok(If) of
        true -> {ok, #{kind => packet, ifname => If}};
        false -> error
    end;
parse(_) -> error.

raw(Kind, N) ->
    case strict_uint(N, 1, 254) of	% never IPPROTO_RAW (S46)
        {ok, P} -> {ok, #{kind => Kind, protocol => P}};
        error -> error
    end.

parse_inet(Kind, R) ->
    case string:split(R, ":", trailing) of
        [Port] -> inet_port(Kind, any, undefined, Port);
        ["[" ++ A6, Port] ->
            case lists:reverse(A6) of
                "]" ++ Rev ->
                    case inet:parse_ipv6strict_address(lists:reverse(Rev)) of
                        {ok, A} -> inet_port(Kind, inet6, A, Port);
                        _ -> error
                    end;
                _ -> error
            end;
        [A4, Port] ->
            case lists:member($:, A4) of
                true -> error;
                false ->
                    case inet:parse_ipv4strict_address(A4) of
                        {ok, A} -> inet_port(Kind, inet, A, Port);
                        _ -> error
                    end
            end
    end.

inet_port(Kind, Fam, Addr, P) ->
    case strict_uint(P, 1, 65535) of
        {ok, Port} ->
            {ok, #{kind => Kind, family => Fam, addr => Addr, port => Port}};
        error -> error
    end.

%% Decimal, no sign, no leading zero (grant.c ph__parse_uint()).
strict_uint(S, Lo, Hi) when is_list(S), S =/= [], length(S) =< 10 ->
    case lists:all(fun(C) -> C >= $0 andalso C =< $9 end, S) andalso
        not (hd(S) =:= $0 andalso length(S) > 1) of
        true ->
            V = list_to_integer(S),
            if V >= Lo, V =< Hi -> {ok, V}; true -> error end;
        false -> error
    end;
strict_uint(_, _, _) -> error.

ifname_ok(S) when S =/= ".", S =/= "..", S =/= [], length(S) =< 15 ->
    lists:all(fun(C) -> (C >= $a andalso C =< $z) orelse
                            (C >= $A andalso C =< $Z) orelse
                            (C >= $0 andalso C =< $9) orelse
                            C =:= $. orelse C =:= $_ orelse C =:= $-
              end, S);
ifname_ok(_) -> false.

%% procket:open/2 options -> a SPEC.  Unsupported: {pipe, _}, {progname,
%% _}, {dev, _}, {namespace, _}, netlink and numeric families, numeric
%% types, {interface, _} on an inet socket (README.md says why).
procket_spec(Port, Opts) ->
    try
        Fam = opt(family, Opts, inet),
        Type = opt(type, Opts, default_type(Opts)),
        Proto = opt(protocol, Opts, default_proto(Type)),
        [throw("option not supported by porthole: " ++ atom_to_list(K))
         || {K, _} <- Opts, not lists:member(K, [family, type, protocol,
                                                   ip, interface])],
        spec_of(Fam, Type, Proto, Port, Opts)
    catch
        throw:Why -> {error, Why}
    end.

opt(K, Opts, Def) -> proplists:get_value(K, Opts, Def).

default_type(Opts) ->
    case opt(protocol, Opts, tcp) of
        udp -> dgram;
        tcp -> stream;
        _ -> raw
    end.

default_proto(stream) -> tcp;
default_proto(dgram) -> udp;
default_proto(_) -> throw("a raw socket needs {protocol, _}").

spec_of(packet, raw, _, _, Opts) ->
    case opt(interface, Opts, undefined) of
        undefined -> throw("a packet socket needs {interface, Name}");
        If -> {ok, "packet:" ++ to_list(If)}
    end;
spec_of(F, T, P, Port, Opts) when F =:= inet; F =:= inet6 ->
    [throw("{interface, _} (SO_BINDTODEVICE) is not granted by porthole")
     || opt(interface, Opts, undefined) =/= undefined],
    case {T, P} of
        {stream, tcp} -> {ok, inet_spec("tcp", F, Port, Opts)};
        {dgram, udp} -> {ok, inet_spec("udp", F, Port, Opts)};
        {raw, icmp} when F =:= inet -> {ok, "raw:icmp"};
        {raw, icmp6} when F =:= inet6 -> {ok, "raw6:icmpv6"};
        {raw, raw} -> throw("IPPROTO_RAW is never granted (S46)");
        {raw, N} when is_integer(N), F =:= inet ->
            {ok, "raw:" ++ integer_to_list(N)};
        {raw, N} when is_integer(N), F =:= inet6 ->
            {ok, "raw6:" ++ integer_to_list(N)};
        _ -> throw("no porthole SPEC for this type and protocol")
    end;
spec_of(_, _, _, _, _) ->
    throw("only the families inet, inet6 and packet").

inet_spec(P, F, Port, Opts) ->
    Default = case F of inet -> {0, 0, 0, 0}; inet6 -> {0, 0, 0, 0, 0, 0, 0, 0} end,
    Addr = case opt(ip, Opts, Default) of
               any -> Default;
               Ip -> Ip
           end,
    A = case F of
            inet -> inet:ntoa(Addr);
            inet6 -> "[" ++ inet:ntoa(Addr) ++ "]"
        end,
    P ++ ":" ++ A ++ ":" ++ integer_to_list(Port).

%% ---------------------------------------------------------------------
%% Sentences: as `porthole run' prints them (src/cli/hint.h, run.c)
%% ---------------------------------------------------------------------

fail(Posix, Sentence) ->
    put({?MODULE, last_error}, {Posix, lists:flatten(Sentence)}),
    {error, Posix}.

spec_text(#{text := T}) -> T;
spec_text(_) -> "".

%% sentence(Grant, Posix, Reason): what `porthole run' says.
-spec sentence(map(), atom(), string() | no_daemon) -> string().
sentence(G, Posix, no_daemon) when Posix =:= enoent; Posix =:= econnrefused ->
    spec_text(G) ++ ": needs privilege, and portholed (" ++ socket_path() ++
        ") is not running; the Erlang binding cannot run porthole-helper ("
        ++ env_path("PORTHOLE_HELPER", ?HELPER_PATH) ++
        "): pure Erlang cannot hand it fd 3";
sentence(G, eperm, no_daemon) ->
    spec_text(G) ++ ": " ++ socket_path() ++
        " is not portholed's: the peer is not root";
sentence(G, Posix, no_daemon) ->
    spec_text(G) ++ ": needs privilege, and portholed at " ++ socket_path() ++
        " cannot be reached: " ++ strerror(Posix);
sentence(G, eacces, Reason) when Reason =/= "" ->
    hint(G, Reason);
sentence(G, Posix, _) ->
    spec_text(G) ++ ": " ++ strerror(Posix).

hint(G, Reason) when Reason =:= ?NO_POLICY_DAEMON;
                     Reason =:= ?NO_POLICY_HELPER ->
    spec_text(G) ++ ": " ++ Reason;
hint(G, Reason) ->
    {Rule, Wild} = hint_rule(G),
    lists:flatten(
      io_lib:format("~s: ~s; to allow it, add a line such as "
                    "'allow user ~s ~s' to ~s (~sportholed reads it again "
                    "on 'systemctl reload portholed' or SIGHUP)",
                    [spec_text(G), Reason, hint_user(), Rule,
                     env_path("PORTHOLE_POLICY", ?POLICY_PATH),
                     case Wild of
                         true -> "[::] needs 0.0.0.0 granted too; ";
                         false -> ""
                     end])).

%% RULE of hint.h: an IPv4-mapped address is its IPv4 address, [::] is the
%% port-only rule (and says why).
hint_rule(#{kind := K, family := F, addr := A, port := P}) ->
    Ks = atom_to_list(K) ++ ":",
    Ps = integer_to_list(P),
    case {F, A} of
        {any, _} -> {Ks ++ Ps, false};
        {inet6, {0, 0, 0, 0, 0, 0, 0, 0}} -> {Ks ++ Ps, true};
        {inet6, {0, 0, 0, 0, 0, 16#ffff, Hi, Lo}} ->
            {Ks ++ inet:ntoa({Hi bsr 8, Hi band 255, Lo bsr 8, Lo band 255})
             ++ ":" ++ Ps, false};
        {inet6, _} -> {Ks ++ "[" ++ inet:ntoa(A) ++ "]:" ++ Ps, false};
        {inet, _} -> {Ks ++ inet:ntoa(A) ++ ":" ++ Ps, false}
    end;
hint_rule(#{kind := raw4, protocol := 1}) -> {"raw:icmp", false};
hint_rule(#{kind := raw6, protocol := 58}) -> {"raw6:icmpv6", false};
hint_rule(#{kind := raw4, protocol := N}) -> {"raw:" ++ integer_to_list(N), false};
hint_rule(#{kind := raw6, protocol := N}) -> {"raw6:" ++ integer_to_list(N), false};
hint_rule(#{kind := packet, ifname := I}) -> {"packet:" ++ I, false}.

%% USER of hint.h: the /etc/passwd name of the real uid when that name
%% reads back as the same uid (first line of a name), else the number.
hint_user() ->
    Uid = real_uid(),
    Lines = passwd_lines(),
    case [N || {N, U} <- Lines, U =:= Uid] of
        [Name | _] ->
            case [U || {N, U} <- Lines, N =:= Name] of
                [Uid | _] -> Name;
                _ -> integer_to_list(Uid)
            end;
        [] -> integer_to_list(Uid)
    end.

real_uid() ->
    {ok, B} = file:read_file("/proc/self/status"),
    [Line] = [L || L <- string:split(binary_to_list(B), "\n", all),
                   lists:prefix("Uid:", L)],
    [_, R | _] = string:lexemes(Line, "\t "),
    list_to_integer(R).

%% Well-formed lines only: seven fields, a name the policy accepts, strict
%% decimal uid and gid (hint.h hint_pwline_end()).
passwd_lines() ->
    case file:read_file("/etc/passwd") of
        {ok, B} ->
            lists:filtermap(
              fun(L) ->
                      case string:split(L, ":", all) of
                          [N, _, U, Gd, _, _, _] ->
                              case {name_ok(N), strict_uint(U, 0, 4294967294),
                                    strict_uint(Gd, 0, 4294967294)} of
                                  {true, {ok, Uv}, {ok, _}} -> {true, {N, Uv}};
                                  _ -> false
                              end;
                          _ -> false
                      end
              end, string:split(binary_to_list(B), "\n", all));
        _ -> []
    end.

name_ok([C | _] = S) when length(S) =< 32,
                          (C >= $a andalso C =< $z) orelse C =:= $_ ->
    name_rest(tl(S));
name_ok(_) -> false.

name_rest([]) -> true;
name_rest("$") -> true;
name_rest([C | T]) when (C >= $a andalso C =< $z); (C >= $0 andalso C =< $9);
                        C =:= $_; C =:= $- -> name_rest(T);
name_rest(_) -> false.

%% strerror(3) of glibc for what a bind or open can give.
strerror(eacces) -> "Permission denied";
strerror(eperm) -> "Operation not permitted";
strerror(enoent) -> "No such file or directory";
strerror(econnrefused) -> "Connection refused";
strerror(econnreset) -> "Connection reset by peer";
strerror(eaddrinuse) -> "Address already in use";
strerror(eaddrnotavail) -> "Cannot assign requested address";
strerror(einval) -> "Invalid argument";
strerror(eproto) -> "Protocol error";
strerror(ebadmsg) -> "Bad message";
strerror(emsgsize) -> "Message too long";
strerror(etimedout) -> "Connection timed out";
strerror(eafnosupport) -> "Address family not supported by protocol";
strerror(eprotonosupport) -> "Protocol not supported";
strerror(eopnotsupp) -> "Operation not supported";
strerror(enodev) -> "No such device";
strerror(emfile) -> "Too many open files";
strerror(E) -> inet:format_error(E).

%% errno -> atom, for what a broker answers (Linux numbers).
posix(1) -> eperm;
posix(2) -> enoent;
posix(12) -> enomem;
posix(13) -> eacces;
posix(19) -> enodev;
posix(22) -> einval;
posix(24) -> emfile;
posix(71) -> eproto;
posix(74) -> ebadmsg;
posix(90) -> emsgsize;
posix(93) -> eprotonosupport;
posix(95) -> eopnotsupp;
posix(97) -> eafnosupport;
posix(98) -> eaddrinuse;
posix(99) -> eaddrnotavail;
posix(110) -> etimedout;
posix(N) -> list_to_atom("errno_" ++ integer_to_list(N)).

env_path(Var, Default) ->
    case os:getenv(Var) of
        "/" ++ _ = P -> P;
        _ -> Default
    end.

to_list(B) when is_binary(B) -> binary_to_list(B);
to_list(L) when is_list(L) -> L;
to_list(A) when is_atom(A) -> atom_to_list(A).
