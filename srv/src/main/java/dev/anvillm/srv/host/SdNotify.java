package dev.anvillm.srv.host;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

/**
 * systemd's readiness protocol (sd_notify(3)) without libsystemd: one datagram, such as
 * {@code READY=1}, sent to the Unix datagram socket named by {@code $NOTIFY_SOCKET} (a path, or an
 * abstract name written with a leading {@code @}). Java's channels have no Unix datagram sockets,
 * hence socket(2) and sendto(2) through the FFM linker. Without {@code $NOTIFY_SOCKET} (not under
 * a {@code Type=notify} unit) it does nothing.
 */
public final class SdNotify {
    static final int AF_UNIX = 1, SOCK_DGRAM = 2, SOCK_CLOEXEC = 02000000, MSG_NOSIGNAL = 0x4000;
    /** sockaddr_un: a 2-byte family, then 108 bytes of path. */
    static final int SUN_PATH = 108;

    private SdNotify() {}

    /** The two calls, linked on the first message sent: a daemon outside systemd never pays for them. */
    private static final class Libc {
        static final Linker LINKER = Linker.nativeLinker();
        static final MemoryLayout CALL_STATE = Linker.Option.captureStateLayout();
        static final long ERRNO = CALL_STATE.byteOffset(MemoryLayout.PathElement.groupElement("errno"));
        static final MethodHandle SOCKET = libc("socket",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        static final MethodHandle SENDTO = libc("sendto",
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

        @SuppressWarnings("restricted")
        private static MethodHandle libc(String name, FunctionDescriptor fd) {
            return LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(name), fd, Linker.Option.captureCallState("errno"));
        }
    }

    /**
     * Sends {@code state} (e.g. {@code "READY=1"}) to {@code $NOTIFY_SOCKET}. Returns null when it
     * was sent or there is no such socket to send to, else why it failed (the caller logs it: a
     * readiness message that cannot be sent must not stop the daemon).
     */
    public static String notify(String state) {
        return send(System.getenv("NOTIFY_SOCKET"), state);
    }

    /** Sends {@code state} to the socket {@code address} (a path, or {@code @name}); null when sent or address is empty. */
    public static String send(String address, String state) {
        if (address == null || address.isEmpty()) return null;
        if (!address.startsWith("/") && !address.startsWith("@")) return "NOTIFY_SOCKET=" + address + " is neither a path nor @name";
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = arena.allocate(2 + SUN_PATH);
            int len = sockaddr(addr, address);
            if (len < 0) return "NOTIFY_SOCKET=" + address + " is too long for a socket address";
            MemorySegment st = arena.allocate(Libc.CALL_STATE);
            int fd = (int) Libc.SOCKET.invokeExact(st, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (fd < 0) return "socket: errno " + st.get(ValueLayout.JAVA_INT, Libc.ERRNO);
            try {
                byte[] msg = state.getBytes(StandardCharsets.UTF_8);
                MemorySegment buf = arena.allocate(Math.max(1, msg.length));
                MemorySegment.copy(msg, 0, buf, ValueLayout.JAVA_BYTE, 0, msg.length);
                long n = (long) Libc.SENDTO.invokeExact(st, fd, buf, (long) msg.length, MSG_NOSIGNAL, addr, len);
                if (n < 0) return "sendto " + address + ": errno " + st.get(ValueLayout.JAVA_INT, Libc.ERRNO);
                return null;
            } finally {
                Native.close(fd);
            }
        } catch (Throwable t) {
            return "sd_notify: " + t;
        }
    }

    /**
     * Fills sockaddr_un {@code addr} for {@code address}; returns its length, or -1 when the name
     * does not fit. An abstract name ({@code @name}) starts with a NUL and has no terminating one.
     */
    static int sockaddr(MemorySegment addr, String address) {
        byte[] name = address.getBytes(StandardCharsets.UTF_8);
        boolean abstractName = name[0] == '@';
        if (abstractName) name[0] = 0;
        int pathLen = abstractName ? name.length : name.length + 1;
        if (pathLen > SUN_PATH) return -1;
        addr.fill((byte) 0);
        addr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(name, 0, addr, ValueLayout.JAVA_BYTE, 2, name.length);
        return 2 + pathLen;
    }
}
