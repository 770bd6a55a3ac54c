/*  SPDX-License-Identifier: ISC

    porthole.pl - the SWI-Prolog interface of libporthole: a safe,
    not-yet-existing Unix socket path, privileged sockets from the porthole
    broker as SWI-Prolog socket handles, systemd socket activation, and the
    credentials of a Unix-socket peer.  The foreign part is
    c/porthole4pl.c, built by the top-level make into lib/<arch>/.
*/

:- module(porthole,
          [ porthole_mkpath/1,          % -Path
            porthole_mkpath/2,          % +Options, -Path
            porthole_open/2,            % +Spec, -Socket
            porthole_listen_fds/1,      % -Pairs
            porthole_peer/2             % +StreamPair, -Peer
          ]).
:- use_module(library(socket)).
:- use_module(library(error)).
:- use_module(library(option)).

:- use_foreign_library(foreign(porthole4pl)).

/** <module> porthole: secure local sockets, privileged sockets without root

Errors are exceptions error(porthole_error(Errno, Sentence), context(PI, _)):
Errno is the errno name in lower case (`eacces`), Sentence (a string) is
what the `porthole` command prints for the same failure.

SWI-Prolog 9.0 cannot adopt an fd as a socket handle.  porthole_open/2 and
porthole_listen_fds/1 therefore create a handle of the kind that fits
(tcp_socket/1, udp_socket/1, unix_domain_socket/1) and either have the
broker bind that very socket in place (IPv4) or move the granted socket
onto the handle's fd number with dup3() (IPv6 TCP, raw), closing the
original.  Limits: SWI-Prolog's handles believe they are IPv4, so on an
IPv6 TCP socket tcp_accept/3 gives no usable peer address (the peer term
is not the client's address; the connection itself works); IPv6 UDP,
raw6: and packet: sockets are refused, since udp_send/4 and
udp_receive/4 take IPv4 addresses only.
*/

%!  porthole_mkpath(-Path) is det.
%!  porthole_mkpath(+Options, -Path) is det.
%
%   Path is a Unix socket path that does not exist yet, in a fresh
%   directory of mode 0700 with an unguessable name under
%   $XDG_RUNTIME_DIR, else $TMPDIR, else /tmp (the first that is safe),
%   as `porthole mkpath` prints.  The directory is left for the caller
%   (remove the socket and the directory when done).  Options:
%
%     - portable(true): keep Path within 91 bytes (BSD, macOS)
%     - name(Name): the socket's file name (default `sock`)
%     - dir(Base): make the directory in Base instead

porthole_mkpath(Path) :-
    porthole_mkpath([], Path).

porthole_mkpath(Options, Path) :-
    must_be(list, Options),
    option(portable(Portable), Options, false),
    must_be(boolean, Portable),
    option(name(Name), Options, ''),
    must_be(text, Name),
    option(dir(Dir), Options, ''),
    must_be(text, Dir),
    '$ph_mkpath'(Dir, Name, Portable, Path).

%!  porthole_open(+Spec, -Socket) is det.
%
%   Socket is a socket handle for Spec, a SPEC of `porthole run`
%   (`'tcp:80'`, `'tcp:127.0.0.1:80'`, `'tcp:[::1]:443'`, `'udp:53'`,
%   `'raw:icmp'`, ...): bound directly when we may, else by the porthole
%   broker when its policy allows it.  TCP sockets come back listening:
%   use tcp_open_socket/2 and tcp_accept/3, or pass tcp_socket(Socket)
%   to http_server/2.  `tcp:PORT` (no address) is IPv4's 0.0.0.0 here.
%   UDP and raw: a udp_socket/1 handle.  Close with tcp_close_socket/1
%   (or close/1 of its streams).

porthole_open(Spec, Socket) :-
    must_be(text, Spec),
    atom_string(SpecA, Spec),
    (   sub_atom(SpecA, 0, _, _, 'tcp:')
    ->  tcp_socket(S)
    ;   udp_socket(S)
    ),
    tcp_getopt(S, file_no(Fd)),
    catch(( '$ph_open'(SpecA, Fd) -> true ; fail_open(SpecA) ),
          E,
          ( tcp_close_socket(S), throw(E) )),
    Socket = S.

fail_open(Spec) :-
    throw(error(porthole_error(eio, Spec), context(porthole_open/2, _))).

%!  porthole_listen_fds(-Pairs) is det.
%
%   The sockets systemd socket activation (or `porthole run`) hands this
%   process through LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES, as a list
%   of Name-Socket (Name from LISTEN_FDNAMES, else `unknown`); [] when
%   there are none for this process.  The variables are unset, so no
%   child takes the sockets for its own.  IPv4 and IPv6 TCP sockets come
%   as tcp_socket/1 handles, IPv4 UDP as udp_socket/1, Unix stream
%   sockets as unix_domain_socket/1; any other kind closes every fd
%   handed over and raises an error.

porthole_listen_fds(Pairs) :-
    '$ph_listen_env'(FdNames),
    adopt_all(FdNames, [], Pairs).

adopt_all([], _, []).
adopt_all([Fd-Name|T], Done, [Name-S|Ps]) :-
    catch(adopt(Fd, S), E,
          ( forall(member(F-_, T), '$ph_close_fd'(F)),
            forall(member(D, Done), tcp_close_socket(D)),
            throw(E)
          )),
    adopt_all(T, [S|Done], Ps).

adopt(Fd, S) :-
    '$ph_fd_kind'(Fd, Kind),
    (   handle(Kind, S)
    ->  tcp_getopt(S, file_no(To)),
        catch('$ph_move_fd'(Fd, To), E, (tcp_close_socket(S), throw(E)))
    ;   '$ph_close_fd'(Fd),
        format(string(Msg), "LISTEN_FDS: fd ~d is a socket SWI-Prolog 9.0 \c
                             has no handle for (~w)", [Fd, Kind]),
        throw(error(porthole_error(eafnosupport, Msg),
                    context(porthole_listen_fds/1, _)))
    ).

handle(tcp, S)  :- tcp_socket(S).
handle(tcp6, S) :- tcp_socket(S).
handle(udp, S)  :- udp_socket(S).
handle(unix, S) :- unix_domain_socket(S).

%!  porthole_peer(+StreamPair, -Peer) is det.
%
%   Peer is peer(Uid, Gid, Pid): who is at the other end of a connected
%   Unix-domain socket (SO_PEERCRED: the effective ids at connect(); Pid
%   0 when the peer is in another pid namespace).  StreamPair is a stream
%   pair or stream of the connection, as tcp_open_socket/2 or
%   tcp_connect/3 give, or a socket handle.

porthole_peer(Stream, peer(Uid, Gid, Pid)) :-
    stream_fd(Stream, Fd),
    '$ph_peer'(Fd, Uid, Gid, Pid).

stream_fd(Socket, Fd) :-
    blob(Socket, socket),
    !,
    tcp_getopt(Socket, file_no(Fd)).
stream_fd(Pair, Fd) :-
    stream_pair(Pair, In, Out),
    (   nonvar(In), is_stream(In)
    ->  stream_property(In, file_no(Fd))
    ;   stream_property(Out, file_no(Fd))
    ).

:- multifile prolog:error_message//1.

prolog:error_message(porthole_error(_Errno, Sentence)) -->
    [ '~w'-[Sentence] ].
