#!/usr/bin/env python3
"""A TCP proxy on loopback for 11_liveness.sh: the first connection it accepts is
forwarded to TARGET_PORT; every later one is accepted and never answered (what a
hung server, proxy or load balancer looks like to a client). Prints its port on
stdout once listening. Runs until killed."""
import socket
import sys
import threading

target_port = int(sys.argv[1])
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 0))
listener.listen(64)
print(listener.getsockname()[1], flush=True)


def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


held = []  # never answered, never closed
first = True
while True:
    client, _ = listener.accept()
    if first:
        first = False
        server = socket.create_connection(("127.0.0.1", target_port))
        threading.Thread(target=pump, args=(client, server), daemon=True).start()
        threading.Thread(target=pump, args=(server, client), daemon=True).start()
    else:
        held.append(client)
