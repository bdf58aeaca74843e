package dev.anvillm.srv.host;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * What systemd is to a {@code Type=notify} service, for tests: a Unix datagram socket bound to
 * a path or an abstract {@code @name}, its datagrams read one by one with a deadline.
 */
public final class NotifySocket implements AutoCloseable {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle BIND = libc("bind",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle SOCKET = libc("socket",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle RECV = libc("recv",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));

    private final String address;
    private final int fd;

    @SuppressWarnings("restricted")
    private static MethodHandle libc(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(name), fd);
    }

    /** Binds {@code address}: a path (which must not exist) or {@code @name}. */
    public NotifySocket(String address) throws Throwable {
        this.address = address;
        fd = (int) SOCKET.invokeExact(SdNotify.AF_UNIX, SdNotify.SOCK_DGRAM | SdNotify.SOCK_CLOEXEC, 0);
        if (fd < 0) throw new IllegalStateException("socket failed");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = arena.allocate(2 + SdNotify.SUN_PATH);
            int len = SdNotify.sockaddr(addr, address);
            if ((int) BIND.invokeExact(fd, addr, len) != 0) {
                Native.close(fd);
                throw new IllegalStateException("bind " + address + " failed");
            }
        }
    }

    public String address() {
        return address;
    }

    /** The next datagram, or null when none came within {@code timeout}. */
    public String receive(Duration timeout) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pfd = arena.allocate(8, 4);
            pfd.set(ValueLayout.JAVA_INT, 0, fd);
            pfd.set(ValueLayout.JAVA_SHORT, 4, Native.POLLIN);
            long end = System.nanoTime() + timeout.toNanos();
            while (true) {
                long left = Math.max(0, (end - System.nanoTime()) / 1_000_000);
                if (Native.poll(pfd, 1, (int) left) > 0) break;
                if (left == 0) return null;
            }
            MemorySegment buf = arena.allocate(4096);
            long n = (long) RECV.invokeExact(fd, buf, 4096L, 0);
            if (n < 0) throw new IllegalStateException("recv failed");
            return new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() {
        Native.close(fd);
    }
}
