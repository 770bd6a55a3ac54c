name(porthole).
version('0.1.0').
title('Secure Unix socket paths and privileged sockets without root (libporthole)').
keywords([socket, unix, security, privilege, systemd]).
author('The porthole authors', 'porthole@localhost').
download('https://example.invalid/porthole').
