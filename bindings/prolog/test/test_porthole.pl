/*  SPDX-License-Identifier: ISC

    test_porthole.pl - plunit tests of the pack `porthole`:

        swipl -g run_tests -t halt bindings/prolog/test/test_porthole.pl

    The pack is attached from this file's directory when library(porthole)
    is not found otherwise.  Every test compares the count of
    /proc/self/fd before and after.  Tests that need the porthole broker,
    the `porthole` command or socket activation run when the environment
    says how (tests/root/63-prolog.sh sets it):

      PORTHOLE                  the porthole command (its sentences)
      PH_TEST_GRANTED           a SPEC the policy grants us (tcp:ADDR:PORT)
      PH_TEST_DENIED            a SPEC it does not
      PH_TEST_DENIED_SENTENCE   what `porthole run` says of it
      PH_TEST_LISTEN            the LISTEN_FDNAMES name of a TCP socket
                                that `porthole run` hands us
*/

:- prolog_load_context(directory, Dir),
   (   exists_source(library(porthole))
   ->  true
   ;   file_directory_name(Dir, Pack),
       pack_attach(Pack, [])
   ).
:- use_module(library(porthole)).
:- use_module(library(plunit)).
:- use_module(library(socket)).
:- use_module(library(process)).
:- use_module(library(readutil)).
:- use_module(library(lists)).
:- use_module(library(http/thread_httpd)).

                 /*******************************
                 *            HELPERS           *
                 *******************************/

fd_count(N) :-
    directory_files('/proc/self/fd', Fs),
    length(Fs, N).

%   run(+Exe, +Args, -Status, -Out, -Err): run a program, collect output.
run(Exe, Args, Status, Out, Err) :-
    process_create(Exe, Args,
                   [ stdout(pipe(O)), stderr(pipe(E)), process(Pid) ]),
    read_string(O, _, Out), close(O),
    read_string(E, _, Err), close(E),
    process_wait(Pid, Status).

my_uid(Uid) :-
    run(path(id), ['-u'], exit(0), Out, _),
    split_string(Out, "", "\n", [S]),
    number_string(Uid, S).

%   The mode and owner of a file, from stat(1).
mode_owner(Path, Mode, Uid) :-
    run(path(stat), ['-c', '%a %u', Path], exit(0), Out, _),
    split_string(Out, " ", "\n", [M, U]),
    atom_string(Mode, M),
    number_string(Uid, U).

remove_sock(Path) :-
    file_directory_name(Path, Dir),
    catch(delete_file(Path), error(existence_error(_, _), _), true),
    delete_directory(Dir).

%   The porthole command's sentence for Args: its stderr without the
%   "porthole SUB: " prefixes, its lines joined by "; " (the binding
%   says in one error what the command says in several lines).
porthole_says(Args, Sentence) :-
    getenv('PORTHOLE', Exe),
    run(Exe, Args, _, _, Err),
    split_string(Err, "\n", "", Lines0),
    exclude(==(""), Lines0, Lines),
    Args = [Sub|_],
    atomic_list_concat(['porthole ', Sub, ': '], Prefix),
    maplist(string_concat(Prefix), Parts, Lines),
    atomic_list_concat(Parts, '; ', Atom),
    atom_string(Atom, Sentence).

stop(Address) :-
    once(http_stop_server(Address, [])).

%   The HTTP handler: who asked, by porthole_peer/2 on the connection
%   (`none` over TCP, where there are no credentials).
whoami(Request) :-
    memberchk(pool(client(_, _, In, _)), Request),
    (   catch(porthole_peer(In, peer(Uid, _, _)), _, fail)
    ->  true
    ;   Uid = none
    ),
    format("Content-type: text/plain~n~n"),
    format("hello from prolog, uid ~w~n", [Uid]).

%   No keep-alive: thread_httpd 9.0.4 leaves a kept-alive connection
%   open when the server stops (its http_close_client warning), which
%   would count as a leaked fd here.
curl(Args, Body) :-
    run(path(curl), ['-s', '--max-time', '5', '-H', 'Connection: close'
                    | Args], exit(0), Body, _).

%   fetch_whoami(+S, +Addr, +Port, -Body): serve whoami/1 on the
%   listening socket S (at Addr:Port) with one worker, fetch the page
%   once with curl, and stop the server.
fetch_whoami(S, Addr, Port, Body) :-
    http_server(whoami, [port(Port), tcp_socket(S), workers(1),
                         silent(true)]),
    format(atom(URL), 'http://~w:~w/', [Addr, Port]),
    curl([URL], Body),
    stop(Port).

%   serve_one(+S, :Client, :Serve, -From): accept one connection on
%   the listening socket S while a thread runs Client, call Serve on the
%   connection's stream pair (extra argument), close it, join the client
%   and close the listener.  From is what tcp_accept/3 says of the peer.
serve_one(S, Client, Serve, From) :-
    tcp_open_socket(S, Acc),
    thread_create(Client, T, []),
    tcp_accept(Acc, Conn, From),
    tcp_open_socket(Conn, Pair),
    call(Serve, Pair),
    close(Pair),
    thread_join(T, _),
    close(Acc).

%   Serve: who the peer is, then a line for the client to read.
peer_then_bye(Peer, Pair) :-
    porthole_peer(Pair, Peer),
    format(Pair, "bye~n", []).

%   Serve: the request line, then an empty HTTP reply.
line_then_ok(Line, Pair) :-
    read_line_to_string(Pair, Line),
    format(Pair, "HTTP/1.0 200 OK\r\n\r\n", []).

                 /*******************************
                 *            MKPATH            *
                 *******************************/

:- begin_tests(mkpath).

test(default_path_is_fresh_private_and_ours) :-
    fd_count(N0),
    porthole_mkpath(Path),
    atom(Path),
    file_base_name(Path, sock),
    \+ exists_file(Path),
    file_directory_name(Path, Dir),
    mode_owner(Dir, Mode, Owner),
    my_uid(Uid),
    remove_sock(Path),
    fd_count(N1),
    assertion(Mode == '700'),
    assertion(Owner == Uid),
    assertion(N1 == N0).

test(portable_and_name) :-
    porthole_mkpath([portable(true), name(web)], Path),
    atom_length(Path, Len),
    file_base_name(Path, Base),
    remove_sock(Path),
    assertion(Len =< 91),
    assertion(Base == web).

test(two_calls_two_directories) :-
    porthole_mkpath(P1),
    porthole_mkpath(P2),
    remove_sock(P1),
    remove_sock(P2),
    assertion(P1 \== P2).

test(dir_option) :-
    tmp_file(phbase, Base),
    make_directory(Base),
    porthole_mkpath([dir(Base)], Path),
    file_directory_name(Path, Dir),
    file_directory_name(Dir, Parent),
    remove_sock(Path),
    delete_directory(Base),
    assertion(Parent == Base).

test(name_with_slash, [error(porthole_error(einval, _), _)]) :-
    porthole_mkpath([name('a/b')], _).

test(too_long, [true(Msg == Want)]) :-
    fd_count(N0),
    length(Cs, 200), maplist(=(0'x), Cs), atom_codes(Name, Cs),
    catch(porthole_mkpath([name(Name)], _),
          error(porthole_error(enametoolong, Msg), _), true),
    fd_count(N1),
    assertion(N1 == N0),
    Want = "the socket path would not fit sun_path (107 bytes at most); \c
            choose a shorter --dir or NAME".

test(missing_base_says_what_porthole_says,
     [condition(getenv('PORTHOLE', _)), true(Msg == Want)]) :-
    porthole_says([mkpath, '--dir', '/nonexistent/ph-base'], Want),
    catch(porthole_mkpath([dir('/nonexistent/ph-base')], _),
          error(porthole_error(enoent, Msg), _), true).

test(unsafe_base_says_what_porthole_says,
     [condition(getenv('PORTHOLE', _)), true(Msg == Want)]) :-
    tmp_file(phunsafe, Base),
    make_directory(Base),
    process_create(path(chmod), ['0777', Base], []),
    porthole_says([mkpath, '--dir', Base], Want),
    catch(porthole_mkpath([dir(Base)], _),
          error(porthole_error(_, Msg), _), true),
    delete_directory(Base).

:- end_tests(mkpath).

                 /*******************************
                 *             PEER             *
                 *******************************/

:- begin_tests(peer).

test(unix_peer_is_us) :-
    fd_count(N0),
    porthole_mkpath(Path),
    unix_domain_socket(S),
    tcp_bind(S, Path),
    tcp_listen(S, 5),
    serve_one(S, ( tcp_connect(Path, C, []),
                   read_line_to_string(C, _),
                   close(C) ), peer_then_bye(Peer), From),
    remove_sock(Path),
    fd_count(N1),
    my_uid(Uid),
    current_prolog_flag(pid, Pid),
    assertion(From == af_unix),
    assertion(Peer = peer(Uid, _, Pid)),
    assertion(N1 == N0).

test(tcp_has_no_peer_credentials, [error(porthole_error(_, _), _)]) :-
    setup_call_cleanup(
        ( tcp_socket(S), tcp_bind(S, localhost:Port), tcp_listen(S, 1),
          tcp_open_socket(S, Acc),
          tcp_connect(localhost:Port, C, []),
          tcp_accept(Acc, Conn, _), tcp_open_socket(Conn, Pair) ),
        porthole_peer(Pair, _),
        ( close(Pair), close(C), close(Acc) )).

:- end_tests(peer).

                 /*******************************
                 *        OPEN AND SERVE        *
                 *******************************/

:- begin_tests(open).

test(not_a_spec, [error(porthole_error(einval, Msg), _)]) :-
    fd_count(N0),
    catch(porthole_open('tcp:nonsense', _), E, true),
    fd_count(N1),
    assertion(N1 == N0),
    E = error(porthole_error(einval, Msg), _),
    sub_string(Msg, 0, _, _, "'tcp:nonsense': not a SPEC"),
    throw(E).

test(udp6_is_refused_clearly, [true(sub_string(Msg, 0, _, _, Want))]) :-
    fd_count(N0),
    catch(porthole_open('udp:[::1]:5353', _),
          error(porthole_error(eafnosupport, Msg), _), true),
    fd_count(N1),
    assertion(N1 == N0),
    Want = "udp:[::1]:5353: SWI-Prolog 9.0 has no socket handle for it".

free_port(Port) :-
    setup_call_cleanup(tcp_socket(S),
                       tcp_bind(S, localhost:Port),
                       tcp_close_socket(S)).

%   An unprivileged port: bound directly, no broker.  IPv4 binds the
%   handle's own socket; IPv6 is moved onto it (tcp_accept/3's peer is
%   then no address, see the module's limits).
test(unprivileged_ports_ipv4_and_ipv6) :-
    fd_count(N0),
    free_port(P4),
    format(atom(Spec4), 'tcp:127.0.0.1:~d', [P4]),
    porthole_open(Spec4, S4),
    fetch_whoami(S4, '127.0.0.1', P4, Body4),
    free_port(P6),
    format(atom(Spec6), 'tcp:[::1]:~d', [P6]),
    porthole_open(Spec6, S6),
    format(atom(URL6), 'http://[::1]:~d/', [P6]),
    serve_one(S6, curl(['-g', '-d', x, URL6], _), line_then_ok(Line6),
              _Peer6),
    fd_count(N1),
    assertion(Body4 == "hello from prolog, uid none\n"),
    assertion(Line6 == "POST / HTTP/1.1"),
    assertion(N1 == N0).

test(in_use_port_says_so, [true(Msg == Want)]) :-
    tcp_socket(S), tcp_bind(S, localhost:Port), tcp_listen(S, 1),
    format(atom(Spec), 'tcp:127.0.0.1:~d', [Port]),
    fd_count(N0),
    catch(porthole_open(Spec, _),
          error(porthole_error(eaddrinuse, Msg), _), true),
    fd_count(N1),
    tcp_close_socket(S),
    assertion(N1 == N0),
    format(string(Want), "~w: Address already in use", [Spec]).

test(denied_says_what_porthole_run_says,
     [condition(getenv('PH_TEST_DENIED', _)), true(Msg == Want)]) :-
    getenv('PH_TEST_DENIED', Spec),
    getenv('PH_TEST_DENIED_SENTENCE', Want0),
    atom_string(Want0, Want),
    fd_count(N0),
    catch(porthole_open(Spec, _),
          error(porthole_error(eacces, Msg), _), true),
    fd_count(N1),
    assertion(N1 == N0).

test(granted_http_server_on_privileged_port,
     [condition(getenv('PH_TEST_GRANTED', _)),
      true(Body == "hello from prolog, uid none\n")]) :-
    getenv('PH_TEST_GRANTED', Spec),
    atomic_list_concat([tcp, Addr, PortA], :, Spec),
    atom_number(PortA, Port),
    fd_count(N0),
    porthole_open(Spec, S),
    fetch_whoami(S, Addr, Port, Body),
    fd_count(N1),
    assertion(N1 == N0).

test(http_server_on_mkpath_socket) :-
    fd_count(N0),
    porthole_mkpath(Path),
    http_server(whoami, [unix_socket(Path), workers(1), silent(true)]),
    curl(['--unix-socket', Path, 'http://localhost/'], Body),
    stop(Path),
    remove_sock(Path),
    fd_count(N1),
    my_uid(Uid),
    format(string(Want), "hello from prolog, uid ~w~n", [Uid]),
    assertion(Body == Want),
    assertion(N1 == N0).

:- end_tests(open).

                 /*******************************
                 *      SOCKET ACTIVATION       *
                 *******************************/

:- begin_tests(listen_fds).

%   Another process's LISTEN_PID: not ours, nothing taken, nothing unset
%   (the variables are put back as they were for the next test).
test(not_ours_is_empty, [true(Pairs-Left == []-"1")]) :-
    (   getenv('LISTEN_PID', Pid0) -> true ; Pid0 = '' ),
    (   getenv('LISTEN_FDS', Fds0) -> true ; Fds0 = '' ),
    setenv('LISTEN_PID', 1),
    setenv('LISTEN_FDS', 1),
    porthole_listen_fds(Pairs),
    getenv('LISTEN_FDS', Left0),
    atom_string(Left0, Left),
    restore_env('LISTEN_PID', Pid0),
    restore_env('LISTEN_FDS', Fds0).

restore_env(Name, '') :- !, unsetenv(Name).
restore_env(Name, Value) :- setenv(Name, Value).

test(activated_http_server, [condition(getenv('PH_TEST_LISTEN', _))]) :-
    getenv('PH_TEST_LISTEN', Name),
    getenv('PH_TEST_GRANTED', Spec),
    atomic_list_concat([tcp, Addr, PortA], :, Spec),
    atom_number(PortA, Port),
    fd_count(N0),
    porthole_listen_fds(Pairs),
    assertion(Pairs = [Name-_]),
    Pairs = [_-S],
    assertion(\+ getenv('LISTEN_FDS', _)),
    porthole_listen_fds(Again),
    assertion(Again == []),
    fetch_whoami(S, Addr, Port, Body),
    fd_count(N1),
    assertion(Body == "hello from prolog, uid none\n"),
    assertion(N1 =:= N0 - 1).          % fd 3 was handed over, now closed

:- end_tests(listen_fds).

                 /*******************************
                 *   SERVERS FOR 63-prolog.sh   *
                 *******************************/

%   serve_unix: an HTTP server on a porthole_mkpath/1 socket; prints the
%   path, serves until stdin ends, removes the socket and directory.
serve_unix :-
    porthole_mkpath(Path),
    http_server(whoami, [unix_socket(Path), workers(1), silent(true)]),
    format("~w~n", [Path]), flush_output,
    read_term(user_input, _, []),
    stop(Path),
    remove_sock(Path).

%   serve_tcp: an HTTP server on porthole_open/2 of $PH_TEST_GRANTED;
%   prints `ready`, serves until a term arrives on stdin.
serve_tcp :-
    getenv('PH_TEST_GRANTED', Spec),
    atomic_list_concat([tcp, _, PortA], :, Spec),
    atom_number(PortA, Port),
    porthole_open(Spec, S),
    http_server(whoami, [port(Port), tcp_socket(S), workers(1),
                         silent(true)]),
    format("ready~n"), flush_output,
    read_term(user_input, _, []),
    stop(Port).
