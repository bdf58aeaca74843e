package dev.anvillm.srv.host;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The daemon's one door to raw Linux system calls, for what the JDK does not offer (pidfds, a
 * fifo opened without blocking). Calls return what the kernel returns: a value, or
 * {@code -errno}. The sandbox launcher has its own: it is copied out of the daemon alone.
 */
public final class Native {
    public static final int ESRCH = 3, EINTR = 4, ENXIO = 6, EAGAIN = 11;
    public static final long O_WRONLY = 1, O_NONBLOCK = 04000, O_CLOEXEC = 02000000;
    public static final long O_APPEND = 02000;
    private static final long AT_FDCWD = -100, F_SETFL = 4, F_DUPFD_CLOEXEC = 1030, S_IFIFO = 0010000;

    public static final int SIGCHLD = 17;

    private record Nr(long openat, long close, long write, long fcntl, long mknodat, long kill, long dup3) {}

    private static final Nr NR = switch (System.getProperty("os.arch")) {
        case "amd64", "x86_64" -> new Nr(257, 3, 1, 72, 259, 62, 292);
        case "aarch64" -> new Nr(56, 57, 64, 25, 33, 129, 24);
        default -> null;
    };
    public static final long SYS_PIDFD_OPEN = 434;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MemoryLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final long ERRNO = CALL_STATE.byteOffset(MemoryLayout.PathElement.groupElement("errno"));
    @SuppressWarnings("restricted")
    private static final MethodHandle SYSCALL = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("syscall"),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG),
            Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));

    private static final MethodHandle POLL = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("poll"),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    public static final short POLLIN = 0x1;

    private Native() {}

    /** {@code syscall(nr, a, b, c, d)}: the result, or {@code -errno}. */
    public static long call(long nr, long a, long b, long c, long d) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            long r = (long) SYSCALL.invokeExact(state, nr, a, b, c, d);
            return r == -1 ? -state.get(ValueLayout.JAVA_INT, ERRNO) : r;
        } catch (Throwable t) {
            throw new IllegalStateException("system call " + nr + " failed: " + t, t);
        }
    }

    public static boolean supported() {
        return NR != null;
    }

    /** open(2) relative to the working directory: an fd, or {@code -errno}. */
    public static int open(Path path, long flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = arena.allocateFrom(path.toString(), StandardCharsets.UTF_8);
            return (int) call(NR.openat, AT_FDCWD, p.address(), flags, 0);
        }
    }

    /** Makes {@code path} a fifo only its owner can use: 0, or {@code -errno}. */
    public static int mkfifo(Path path) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = arena.allocateFrom(path.toString(), StandardCharsets.UTF_8);
            return (int) call(NR.mknodat, AT_FDCWD, p.address(), S_IFIFO | 0600, 0);
        }
    }

    /** Clears O_NONBLOCK and the other status flags of {@code fd}. */
    public static int blocking(int fd) {
        return (int) call(NR.fcntl, fd, F_SETFL, 0, 0);
    }

    /** A copy of {@code fd} numbered 3 or above, closed on exec: the new fd, or {@code -errno}. */
    public static int dupCloexec(int fd) {
        return (int) call(NR.fcntl, fd, F_DUPFD_CLOEXEC, 3, 0);
    }

    /** Makes {@code to} a copy of {@code from} (dup3(2)), closing what {@code to} was: 0, or {@code -errno}. */
    public static int dupOnto(int from, int to) {
        return (int) Math.min(0, call(NR.dup3, from, to, 0, 0));
    }

    /** Writes all of {@code bytes}: 0, or {@code -errno}. */
    public static int writeAll(int fd, byte[] bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.max(1, bytes.length));
            MemorySegment.copy(bytes, 0, buf, ValueLayout.JAVA_BYTE, 0, bytes.length);
            long off = 0;
            while (off < bytes.length) {
                long n = call(NR.write, fd, buf.address() + off, bytes.length - off, 0);
                if (n == -EINTR) continue;
                if (n < 0) return (int) n;
                off += n;
            }
            return 0;
        }
    }

    /** kill(2): 0, or {@code -errno}. */
    public static int signal(int pid, int sig) {
        return (int) call(NR.kill, pid, sig, 0, 0);
    }

    /** poll(2) on {@code n} pollfd structs: how many have events, or -1. */
    public static int poll(MemorySegment pollfds, long n, int timeoutMs) {
        try {
            return (int) POLL.invokeExact(pollfds, n, timeoutMs);
        } catch (Throwable t) {
            throw new IllegalStateException("poll failed: " + t, t);
        }
    }

    /**
     * Waits up to {@code timeoutMs} for process {@code pid} to exit, through a pidfd: any
     * process, not only a child, and at once rather than at a polling interval. True once it
     * has exited (a zombie has), or when there is no such process.
     */
    public static boolean awaitExit(long pid, long timeoutMs) {
        int fd = (int) call(SYS_PIDFD_OPEN, pid, 0, 0, 0);
        if (fd == -ESRCH) return true;
        if (fd < 0) throw new IllegalStateException("pidfd_open(" + pid + "): errno " + -fd);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pfd = arena.allocate(8, 4);
            pfd.set(ValueLayout.JAVA_INT, 0, fd);
            pfd.set(ValueLayout.JAVA_SHORT, 4, POLLIN);
            long end = System.nanoTime() + timeoutMs * 1_000_000;
            while (true) {
                long left = Math.max(0, (end - System.nanoTime()) / 1_000_000);
                if (poll(pfd, 1, (int) Math.min(left, Integer.MAX_VALUE)) > 0) return true;
                if (left == 0) return false;
            }
        } finally {
            close(fd);
        }
    }

    public static void close(int fd) {
        if (fd >= 0) call(NR.close, fd, 0, 0, 0);
    }
}
