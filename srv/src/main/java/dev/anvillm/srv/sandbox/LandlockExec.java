package dev.anvillm.srv.sandbox;

import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The built-in sandbox launcher: the first program of a session's tmux pane. It reads the policy
 * the daemon wrote, sets no_new_privs, drops capabilities, puts itself under Landlock (rights by
 * the kernel's ABI) and, when TCP is restricted, under a seccomp filter refusing Multipath TCP
 * sockets (which Landlock's port rules do not see), limits the environment and execs the
 * backend, so the pane's pid is the sandboxed backend itself.
 *
 * <pre>java --enable-native-access=ALL-UNNAMED ... -cp DIR dev.anvillm.srv.sandbox.LandlockExec POLICY -- ARGV...</pre>
 *
 * <p>It uses the FFM API and raw system calls only, and is copied alone (with its nest members)
 * out of the daemon's jar into the state directory, where no session can write it. Paths,
 * arguments and the environment are handled as bytes, read from /proc/self, so a pane without a
 * UTF-8 locale cannot garble them.
 *
 * <p>The policy file is lines of {@code keyword SP value}; in values {@code \n} and {@code \\}
 * are escapes. Keywords: {@code anvillm-sandbox 1} (first line), {@code best_effort},
 * {@code log_level}, {@code config} (the sandbox.yaml named in messages), {@code ro} {@code rox}
 * {@code rw} {@code rwx} (a rule), {@code protect} (never writable, whatever a rule says),
 * {@code allow} (writable even inside a protected directory: the session's run dir),
 * {@code network restricted|unrestricted}, {@code connect_tcp} and {@code bind_tcp} (ports),
 * {@code scoped}, {@code drop_capabilities}, {@code env} (a variable name kept, or a prefix
 * ending in {@code *}). {@link SessionPolicy#write} is the writer.
 *
 * <p>Exit status 126 when the sandbox cannot be set up (one line on stderr says why and what to
 * change), 127 when the command is not found.
 */
public final class LandlockExec {
    public static final int FAILED = 126;
    public static final int NOT_FOUND = 127;
    public static final String HEADER = "anvillm-sandbox 1";
    /** The first field of a spare launcher's request. */
    public static final String SPARE_HEADER = "anvillm-launch 1";

    // Landlock uapi (include/uapi/linux/landlock.h)
    static final long FS_EXECUTE = 1L, FS_WRITE_FILE = 1L << 1, FS_READ_FILE = 1L << 2, FS_READ_DIR = 1L << 3,
            FS_REMOVE_DIR = 1L << 4, FS_REMOVE_FILE = 1L << 5, FS_MAKE_CHAR = 1L << 6, FS_MAKE_DIR = 1L << 7,
            FS_MAKE_REG = 1L << 8, FS_MAKE_SOCK = 1L << 9, FS_MAKE_FIFO = 1L << 10, FS_MAKE_BLOCK = 1L << 11,
            FS_MAKE_SYM = 1L << 12, FS_REFER = 1L << 13, FS_TRUNCATE = 1L << 14, FS_IOCTL_DEV = 1L << 15;
    static final long NET_BIND_TCP = 1L, NET_CONNECT_TCP = 1L << 1;
    static final long SCOPE_ABSTRACT_UNIX_SOCKET = 1L, SCOPE_SIGNAL = 1L << 1;
    private static final long CREATE_RULESET_VERSION = 1L;
    private static final long RULE_PATH_BENEATH = 1, RULE_NET_PORT = 2;
    private static final long RESTRICT_SELF_LOG_NEW_EXEC_ON = 1L << 1;
    /** Rights that apply to a file (the others only make sense on a directory). */
    static final long FILE_RIGHTS = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV;
    /** Rights that change something; never granted inside a protected directory. */
    static final long WRITE_RIGHTS = FS_WRITE_FILE | FS_REMOVE_DIR | FS_REMOVE_FILE | FS_MAKE_CHAR | FS_MAKE_DIR
            | FS_MAKE_REG | FS_MAKE_SOCK | FS_MAKE_FIFO | FS_MAKE_BLOCK | FS_MAKE_SYM | FS_REFER | FS_TRUNCATE;

    private static final long O_PATH = 010000000, O_CLOEXEC = 02000000, AT_FDCWD = -100;
    private static final long PR_SET_NO_NEW_PRIVS = 38, PR_CAPBSET_DROP = 24, PR_CAP_AMBIENT = 47, PR_CAP_AMBIENT_CLEAR_ALL = 4,
            PR_SET_SECCOMP = 22, SECCOMP_MODE_FILTER = 2;
    private static final int IPPROTO_MPTCP = 262, EPROTONOSUPPORT = 93;
    private static final long CLOSE_RANGE_CLOEXEC = 1L << 2;
    private static final int ENOENT = 2, EACCES = 13, ENOTDIR = 20;

    /**
     * System call numbers (Landlock's and close_range's are the same on every architecture), and
     * for the MPTCP filter: the audit arch, socket(2) natively (and in the x32 ABI), and socket(2)
     * and socketcall(2) of the 32-bit compat arch (-1: none).
     */
    private record Nr(long openat, long close, long chdir, long prctl, long execve, long readlinkat, long sigprocmask, long capget, long capset,
                      int arch, int socket, int socketX32, int compatArch, int compatSocket, int compatSocketcall) {}

    private static final Nr NR = switch (System.getProperty("os.arch")) {
        case "amd64", "x86_64" -> new Nr(257, 3, 80, 157, 59, 267, 14, 125, 126, 0xC000003E, 41, 0x40000000 | 41, 0x40000003, 359, 102);
        case "aarch64" -> new Nr(56, 57, 49, 167, 221, 78, 135, 90, 91, 0xC00000B7, 198, -1, 0x40000028, 281, -1);
        default -> null;
    };
    private static final long SYS_CREATE_RULESET = 444, SYS_ADD_RULE = 445, SYS_RESTRICT_SELF = 446, SYS_CLOSE_RANGE = 436;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MemoryLayout CALL_STATE = Linker.Option.captureStateLayout();
    /** An offset rather than a VarHandle: a layout VarHandle costs start-up time in method handle spinning. */
    private static final long ERRNO = CALL_STATE.byteOffset(MemoryLayout.PathElement.groupElement("errno"));
    /** {@code long syscall(long number, ...)}: every call goes through this one handle. */
    @SuppressWarnings("restricted")
    private static final MethodHandle SYSCALL = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("syscall"),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG),
            Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment callState = arena.allocate(CALL_STATE);
    private int errno;
    private boolean dryRun;

    // the policy
    private boolean bestEffort;
    private String logLevel = "info";
    private String config = "~/.config/anvillm/sandbox.yaml";
    private boolean networkRestricted = true;
    private boolean scoped = true;
    private boolean dropCapabilities = true;
    private final List<byte[]> rulePaths = new ArrayList<>();
    private final List<String> ruleKinds = new ArrayList<>();
    private final List<byte[]> protect = new ArrayList<>();
    private final List<byte[]> allow = new ArrayList<>();
    private final List<Integer> connect = new ArrayList<>();
    private final List<Integer> bind = new ArrayList<>();
    private final List<byte[]> env = new ArrayList<>();

    private LandlockExec() {}

    /** Why a launch cannot go on; the message is the one line the user sees. */
    static final class Failure extends Exception {
        final int status;

        Failure(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    public static void main(String[] args) {
        try {
            new LandlockExec().run(args);
        } catch (Failure f) {
            System.err.println("anvillm sandbox: " + f.getMessage());
            System.exit(f.status);
        } catch (Throwable t) {
            System.err.println("anvillm sandbox: internal error: " + t);
            System.exit(FAILED);
        }
    }

    /** The kernel's Landlock ABI version, 0 when Landlock is missing or disabled. */
    public static int abi() {
        if (NR == null) return 0;
        try {
            return (int) Math.max(0, new LandlockExec().sys(SYS_CREATE_RULESET, 0, 0, CREATE_RULESET_VERSION));
        } catch (Throwable t) {
            return 0;
        }
    }

    /**
     * Why a strict policy cannot run on a kernel with this ABI, or null when it can. Shared by the
     * daemon (which refuses to start such a session) and the launcher.
     */
    public static String unmet(int abi, boolean networkRestricted, String config) {
        if (abi <= 0) {
            return "Landlock is not available (kernel ABI 0); set general.best_effort: true in " + config + " to run unsandboxed";
        }
        if (abi < 3) {
            return "Landlock ABI " + abi + " cannot stop file truncation (needs ABI 3, Linux 6.2); set general.best_effort: true in "
                    + config + " to run with what this kernel enforces";
        }
        if (networkRestricted && abi < 4) {
            return "Landlock ABI " + abi + " cannot restrict TCP (needs ABI 4, Linux 6.7); set network.unrestricted: true or "
                    + "general.best_effort: true in " + config;
        }
        return null;
    }

    /** The filesystem rights this ABI can restrict. */
    static long handledFs(int abi) {
        long r = (FS_MAKE_SYM << 1) - 1;
        if (abi >= 2) r |= FS_REFER;
        if (abi >= 3) r |= FS_TRUNCATE;
        if (abi >= 5) r |= FS_IOCTL_DEV;
        return r;
    }

    /**
     * The rights of a rule kind. Device nodes are never made: a writable directory must not turn
     * into raw access to a disk.
     */
    static long rights(String kind, boolean dir) {
        long read = FS_READ_FILE | (dir ? FS_READ_DIR : 0);
        long write = FS_WRITE_FILE | FS_TRUNCATE | FS_IOCTL_DEV | (dir ? FS_REMOVE_DIR | FS_REMOVE_FILE | FS_MAKE_DIR
                | FS_MAKE_REG | FS_MAKE_SOCK | FS_MAKE_FIFO | FS_MAKE_SYM | FS_REFER : 0);
        return switch (kind) {
            case "ro" -> read;
            case "rox" -> read | FS_EXECUTE;
            case "rw" -> read | write;
            case "rwx" -> read | write | FS_EXECUTE;
            default -> 0;
        };
    }

    private void run(String[] args) throws Throwable {
        if (NR == null) throw new Failure(FAILED, "unsupported architecture " + System.getProperty("os.arch"));
        byte[][] raw = rawArgs(args.length);
        if (args.length == 2 && args[0].equals("--train")) {
            train(raw[1]);
            return;
        }
        if (args.length == 3 && args[0].equals("--spare")) {
            spare(raw[1], args[2]);
            return;
        }
        if (args.length < 3 || !args[1].equals("--")) {
            throw new Failure(FAILED, "usage: LandlockExec POLICY -- COMMAND [ARG...]  |  LandlockExec --spare FIFO DAEMON-PID");
        }
        readPolicy(raw[0]);
        launch(Arrays.copyOfRange(raw, 2, raw.length), environment(List.of()));
    }

    /** Sandboxes this process under the policy read and execs {@code argv}: the pane's pid becomes the backend. */
    private void launch(byte[][] argv, byte[][] envp) throws Throwable {
        long fail = sys(NR.prctl, PR_SET_NO_NEW_PRIVS, 1, 0);
        if (fail != 0) throw new Failure(FAILED, "cannot set no_new_privs: " + error(errno));
        if (dropCapabilities) dropCapabilities();

        int abi = (int) Math.max(0, sys(SYS_CREATE_RULESET, 0, 0, CREATE_RULESET_VERSION));
        String unmet = unmet(abi, networkRestricted, config);
        if (unmet != null && !bestEffort) throw new Failure(FAILED, unmet);
        if (abi == 0) {
            log("info", "running UNSANDBOXED (best_effort): Landlock is not available on this kernel");
        } else {
            if (unmet != null) log("info", "best_effort: " + unmet);
            restrict(abi);
        }
        exec(argv, envp);
    }

    /**
     * A spare launcher: started ahead of need in a tmux session of its own, it warms up (a dry
     * run), then blocks reading {@code fifo} until the daemon writes one launch request and
     * closes it. The request ({@link #SPARE_HEADER}, the working directory, the policy file,
     * the argument count, the arguments, then {@code NAME=value} entries laid over this
     * process's environment; each NUL-terminated) is then carried out as a cold launch would
     * be. Only the daemon can write the fifo: it lies in the state directory, which no session
     * may write. A spare whose daemon is gone exits.
     */
    private void spare(byte[] fifo, String daemonPid) throws Throwable {
        long daemon = Long.parseLong(daemonPid);
        Thread watchdog = new Thread(() -> {
            while (ProcessHandle.of(daemon).map(ProcessHandle::isAlive).orElse(false)) {
                try {
                    Thread.sleep(5000);
                } catch (InterruptedException e) {
                    return;
                }
            }
            Runtime.getRuntime().halt(0);
        }, "watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        warmUp();
        byte[] request;
        try (FileInputStream in = new FileInputStream(text(fifo))) {
            request = in.readAllBytes();
        } catch (IOException e) {
            throw new Failure(FAILED, "spare launcher: cannot read " + text(fifo) + ": " + e.getMessage());
        }
        watchdog.interrupt();
        List<byte[]> f = split(request, (byte) 0);
        int argc;
        try {
            if (f.size() < 5 || !text(f.getFirst()).equals(SPARE_HEADER)) throw new NumberFormatException();
            argc = Integer.parseInt(text(f.get(3)));
            if (argc < 1 || f.size() < 4 + argc) throw new NumberFormatException();
        } catch (NumberFormatException e) {
            throw new Failure(FAILED, "spare launcher: the daemon sent no launch request (" + request.length + " bytes)");
        }
        byte[] cwd = f.get(1);
        if (sys(NR.chdir, cstr(cwd).address(), 0, 0) != 0) {
            throw new Failure(FAILED, "cannot enter " + text(cwd) + ": " + error(errno));
        }
        readPolicy(f.get(2));
        byte[][] argv = f.subList(4, 4 + argc).toArray(new byte[0][]);
        launch(argv, environment(f.subList(4 + argc, f.size())));
    }

    /** What a spare does before it waits: every step of a launch on a sample policy, short of the irreversible ones. */
    private static void warmUp() throws Throwable {
        LandlockExec dry = new LandlockExec();
        String sample = HEADER + "\nlog_level error\nrox /usr\nro /etc\nrw /tmp\nprotect /proc\nallow /tmp\nnetwork restricted\n"
                + "connect_tcp 443\nenv PATH\nenv LC_*\n";
        dry.parsePolicy(sample.getBytes(StandardCharsets.US_ASCII), "the sample policy");
        dry.rehearse();
        dry.arena.close();
    }

    /**
     * Walks every step but the irreversible ones (restrict_self, exec), so that a training run
     * ({@code -XX:AOTCacheOutput}) records the classes and method handles a launch uses.
     */
    private void train(byte[] policy) throws Throwable {
        readPolicy(policy);
        rehearse();
    }

    /** The steps of a launch under the policy read, short of restrict_self and exec. */
    private void rehearse() throws Throwable {
        environment(List.of("ANVILLM_REHEARSAL=1".getBytes(StandardCharsets.US_ASCII)));
        dryRun = true;
        int abi = (int) Math.max(0, sys(SYS_CREATE_RULESET, 0, 0, CREATE_RULESET_VERSION));
        if (abi > 0) restrict(abi);
        cstrArray(new byte[][] {HEADER.getBytes(StandardCharsets.US_ASCII)});
    }

    private void restrict(int abi) throws Throwable {
        long fs = handledFs(abi);
        long net = abi >= 4 && networkRestricted ? NET_BIND_TCP | NET_CONNECT_TCP : 0;
        long scope = abi >= 6 && scoped ? SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL : 0;
        MemorySegment attr = arena.allocate(24, 8);
        attr.set(ValueLayout.JAVA_LONG, 0, fs);
        attr.set(ValueLayout.JAVA_LONG, 8, net);
        attr.set(ValueLayout.JAVA_LONG, 16, scope);
        long size = abi >= 6 ? 24 : abi >= 4 ? 16 : 8;
        long ruleset = sys(SYS_CREATE_RULESET, attr.address(), size, 0);
        if (ruleset < 0) throw new Failure(FAILED, "landlock_create_ruleset failed: " + error(errno));

        List<byte[]> protectedReal = new ArrayList<>();
        for (byte[] p : protect) protectedReal.add(realPath(p));
        List<byte[]> allowedReal = new ArrayList<>();
        for (byte[] p : allow) allowedReal.add(realPath(p));

        MemorySegment beneath = arena.allocate(12, 4); // packed: u64 allowed_access, s32 parent_fd
        for (int i = 0; i < rulePaths.size(); i++) {
            byte[] path = rulePaths.get(i);
            long fd = sys(NR.openat, AT_FDCWD, cstr(path).address(), O_PATH | O_CLOEXEC);
            if (fd < 0) {
                log("debug", "skipped " + ruleKinds.get(i) + " " + text(path) + ": " + error(errno));
                continue;
            }
            try {
                boolean dir = Files.isDirectory(Path.of("/proc/self/fd/" + fd));
                long access = rights(ruleKinds.get(i), dir) & fs;
                if (!dir) access &= FILE_RIGHTS;
                if ((access & WRITE_RIGHTS) != 0) access = unlessProtected(fd, path, access, protectedReal, allowedReal);
                if (access == 0) continue;
                beneath.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, access);
                beneath.set(ValueLayout.JAVA_INT_UNALIGNED, 8, (int) fd);
                if (sys(SYS_ADD_RULE, ruleset, RULE_PATH_BENEATH, beneath.address()) != 0) {
                    throw new Failure(FAILED, "cannot add the rule " + ruleKinds.get(i) + " " + text(path) + ": " + error(errno));
                }
                log("debug", ruleKinds.get(i) + " " + text(path));
            } finally {
                sys(NR.close, fd, 0, 0);
            }
        }
        if (net != 0) {
            MemorySegment port = arena.allocate(16, 8);
            for (int[] r : portRules()) {
                port.set(ValueLayout.JAVA_LONG, 0, r[0]);
                port.set(ValueLayout.JAVA_LONG, 8, r[1]);
                if (sys(SYS_ADD_RULE, ruleset, RULE_NET_PORT, port.address()) != 0) {
                    throw new Failure(FAILED, "cannot allow tcp port " + r[1] + ": " + error(errno));
                }
            }
        }
        long flags = abi >= 7 && logLevel.equals("debug") ? RESTRICT_SELF_LOG_NEW_EXEC_ON : 0;
        if (net != 0) {
            MemorySegment prog = noMptcp();
            if (!dryRun && sys(NR.prctl, PR_SET_SECCOMP, SECCOMP_MODE_FILTER, prog.address()) != 0) {
                throw new Failure(FAILED, "cannot install the MPTCP filter: " + error(errno));
            }
        }
        if (dryRun) {
            sys(NR.close, ruleset, 0, 0);
            return;
        }
        if (sys(SYS_RESTRICT_SELF, ruleset, flags, 0) != 0) {
            throw new Failure(FAILED, "landlock_restrict_self failed: " + error(errno));
        }
        sys(NR.close, ruleset, 0, 0);
        if (abi < 6 && scoped) log("info", "Landlock ABI " + abi + ": abstract unix sockets and signals are not scoped");
        if (abi < 5) log("info", "Landlock ABI " + abi + ": device ioctls are not restricted");
    }

    /**
     * A seccomp filter that fails socket(2) for IPPROTO_MPTCP with EPROTONOSUPPORT: Landlock's
     * TCP rules do not see Multipath TCP sockets (they connect anywhere), and programs fall back
     * to plain TCP when MPTCP is refused. The compat arch's socketcall(2) is refused outright,
     * since its arguments cannot be inspected.
     */
    private MemorySegment noMptcp() {
        final int ld = 0x20, jeq = 0x15, ret = 0x06, allow = 0x7fff0000, deny = 0x00050000 | EPROTONOSUPPORT;
        final int arch = 4, nr = 0, arg2 = 16 + 2 * 8; // offsets in struct seccomp_data (little endian: low word)
        int[][] code = {
                {ld, 0, 0, arch},                         // 0   (jumps count from the next instruction)
                {jeq, 0, 4, NR.arch},                     // 1: native? else 6
                {ld, 0, 0, nr},                           // 2
                {jeq, 6, 0, NR.socket},                   // 3: -> 10
                {jeq, 5, 0, NR.socketX32},                // 4: -> 10
                {ret, 0, 0, allow},                       // 5
                {jeq, 0, 5, NR.compatArch},               // 6: compat? else 12
                {ld, 0, 0, nr},                           // 7
                {jeq, 1, 0, NR.compatSocket},             // 8: -> 10
                {jeq, 3, 2, NR.compatSocketcall},         // 9: -> 13, else 12
                {ld, 0, 0, arg2},                         // 10
                {jeq, 1, 0, IPPROTO_MPTCP},               // 11: -> 13
                {ret, 0, 0, allow},                       // 12
                {ret, 0, 0, deny},                        // 13
        };
        MemorySegment filter = arena.allocate(8L * code.length, 8);
        for (int i = 0; i < code.length; i++) {
            filter.set(ValueLayout.JAVA_SHORT, 8L * i, (short) code[i][0]);
            filter.set(ValueLayout.JAVA_BYTE, 8L * i + 2, (byte) code[i][1]);
            filter.set(ValueLayout.JAVA_BYTE, 8L * i + 3, (byte) code[i][2]);
            filter.set(ValueLayout.JAVA_INT, 8L * i + 4, code[i][3]);
        }
        MemorySegment prog = arena.allocate(16, 8);
        prog.set(ValueLayout.JAVA_SHORT, 0, (short) code.length);
        prog.set(ValueLayout.ADDRESS, 8, filter);
        return prog;
    }

    private List<int[]> portRules() {
        List<int[]> rules = new ArrayList<>();
        for (int p : connect) rules.add(new int[] {(int) NET_CONNECT_TCP, p});
        for (int p : bind) rules.add(new int[] {(int) NET_BIND_TCP, p});
        return rules;
    }

    /**
     * Write rights are removed from a rule whose object (as the kernel resolved it, so a symlink
     * swapped in since the daemon looked changes nothing) is a protected directory, lies inside
     * one, or contains one, unless it lies inside an allowed directory.
     */
    private long unlessProtected(long fd, byte[] path, long access, List<byte[]> protectedReal, List<byte[]> allowedReal)
            throws Failure {
        byte[] real = readLink(("/proc/self/fd/" + fd).getBytes(StandardCharsets.US_ASCII));
        if (real == null) throw new Failure(FAILED, "cannot resolve " + text(path) + ": " + error(errno));
        for (byte[] a : allowedReal) {
            if (within(real, a)) return access;
        }
        for (byte[] p : protectedReal) {
            if (within(real, p) || within(p, real)) {
                log("info", "write access to " + text(real) + " removed: it is or contains " + text(p)
                        + ", which a session may never write");
                return access & ~WRITE_RIGHTS;
            }
        }
        return access;
    }

    /** Whether {@code path} is {@code dir} or lies under it (whole components). */
    static boolean within(byte[] path, byte[] dir) {
        int n = dir.length;
        while (n > 1 && dir[n - 1] == '/') n--;
        if (path.length < n || !Arrays.equals(path, 0, n, dir, 0, n)) return false;
        return path.length == n || path[n] == '/' || n == 1;
    }

    private void dropCapabilities() throws Throwable {
        long effective = capField("CapEff");
        long bounding = capField("CapBnd");
        if (effective == 0) return; // an ordinary user: exec under no_new_privs grants nothing
        int last = 63;
        try {
            last = Integer.parseInt(new String(proc("/proc/sys/kernel/cap_last_cap"), StandardCharsets.US_ASCII).trim());
        } catch (IOException | NumberFormatException e) {
            // every bit up to 63 then
        }
        for (int cap = 0; cap <= last; cap++) {
            if ((bounding & (1L << cap)) != 0 && sys(NR.prctl, PR_CAPBSET_DROP, cap, 0) != 0) {
                throw new Failure(FAILED, "cannot drop capability " + cap + ": " + error(errno)
                        + "; set advanced.drop_capabilities: false in " + config);
            }
        }
        sys(NR.prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0);
        if (capField("CapInh") != 0) {
            // version 3 header, then two data structs {effective, permitted, inheritable} (low, high words)
            MemorySegment header = arena.allocate(8, 4);
            header.set(ValueLayout.JAVA_INT, 0, 0x20080522);
            MemorySegment data = arena.allocate(24, 4);
            if (sys(NR.capget, header.address(), data.address(), 0) != 0
                    || zeroInheritable(data) && sys(NR.capset, header.address(), data.address(), 0) != 0) {
                throw new Failure(FAILED, "cannot clear inheritable capabilities: " + error(errno));
            }
        }
    }

    private static boolean zeroInheritable(MemorySegment data) {
        data.set(ValueLayout.JAVA_INT, 8, 0);
        data.set(ValueLayout.JAVA_INT, 20, 0);
        return true;
    }

    private static long capField(String name) throws IOException {
        // capabilities belong to a thread, and this is not the main one
        for (String line : new String(proc("/proc/thread-self/status"), StandardCharsets.US_ASCII).split("\n")) {
            if (line.startsWith(name + ":")) return Long.parseUnsignedLong(line.substring(name.length() + 1).trim(), 16);
        }
        return 0;
    }

    /**
     * Execs {@code argv[0]}, searched on the new environment's PATH when it has no slash (as
     * execvp does: a candidate that does not exist is skipped; one that is denied is reported
     * if nothing else runs).
     */
    private void exec(byte[][] argv, byte[][] envp) throws Throwable {
        MemorySegment argvSeg = cstrArray(argv);
        MemorySegment envSeg = cstrArray(envp);
        // the JVM's descriptors close at exec; the pane's 0, 1, 2 stay
        sys(SYS_CLOSE_RANGE, 3, 0xffffffffL, CLOSE_RANGE_CLOEXEC);
        MemorySegment empty = arena.allocate(8, 8);
        sys(NR.sigprocmask, 2 /* SIG_SETMASK */, empty.address(), 0, 8);
        String name = text(argv[0]);
        List<byte[]> candidates = new ArrayList<>();
        if (indexOf(argv[0], (byte) '/') >= 0) {
            candidates.add(argv[0]);
        } else {
            byte[] path = "/usr/local/bin:/usr/bin:/bin".getBytes(StandardCharsets.US_ASCII);
            for (byte[] e : envp) {
                if (startsWith(e, "PATH=")) path = Arrays.copyOfRange(e, 5, e.length);
            }
            for (byte[] dir : split(path, (byte) ':')) {
                if (dir.length == 0) dir = new byte[] {'.'};
                byte[] c = Arrays.copyOf(dir, dir.length + 1 + argv[0].length);
                c[dir.length] = '/';
                System.arraycopy(argv[0], 0, c, dir.length + 1, argv[0].length);
                candidates.add(c);
            }
        }
        byte[] denied = null;
        for (byte[] c : candidates) {
            sys(NR.execve, cstr(c).address(), argvSeg.address(), envSeg.address());
            if (errno == EACCES) {
                if (denied == null) denied = c;
            } else if (errno != ENOENT && errno != ENOTDIR) {
                throw new Failure(FAILED, "cannot execute " + text(c) + ": " + error(errno));
            }
        }
        if (denied != null) {
            throw new Failure(FAILED, "cannot execute " + text(denied) + ": " + error(EACCES)
                    + " (a session may execute only under filesystem.rox and rwx; add its directory in " + config + ")");
        }
        throw new Failure(NOT_FOUND, name + ": command not found" + (candidates.size() > 1 ? " on the session's PATH" : ""));
    }

    // ---- the policy, the arguments, the environment --------------------------------------------

    private void readPolicy(byte[] file) throws Failure {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(Path.of(text(file)));
        } catch (IOException | RuntimeException e) {
            throw new Failure(FAILED, "cannot read the policy " + text(file) + ": " + e.getMessage());
        }
        parsePolicy(bytes, text(file));
    }

    private void parsePolicy(byte[] bytes, String file) throws Failure {
        List<byte[]> lines = split(bytes, (byte) '\n');
        if (lines.isEmpty() || !text(lines.getFirst()).equals(HEADER)) {
            throw new Failure(FAILED, file + " is not a sandbox policy (first line must be '" + HEADER + "')");
        }
        for (byte[] line : lines.subList(1, lines.size())) {
            if (line.length == 0 || line[0] == '#') continue;
            int sp = indexOf(line, (byte) ' ');
            String key = text(sp < 0 ? line : Arrays.copyOf(line, sp));
            byte[] value = sp < 0 ? new byte[0] : unescape(Arrays.copyOfRange(line, sp + 1, line.length));
            String v = text(value);
            switch (key) {
                case "best_effort" -> bestEffort = bool(v);
                case "log_level" -> logLevel = v;
                case "config" -> config = v;
                case "ro", "rox", "rw", "rwx" -> {
                    ruleKinds.add(key);
                    rulePaths.add(value);
                }
                case "protect" -> protect.add(value);
                case "allow" -> allow.add(value);
                case "network" -> networkRestricted = !v.equals("unrestricted");
                case "connect_tcp" -> connect.add(port(v));
                case "bind_tcp" -> bind.add(port(v));
                case "scoped" -> scoped = bool(v);
                case "drop_capabilities" -> dropCapabilities = bool(v);
                case "env" -> env.add(value);
                default -> throw new Failure(FAILED, file + ": unknown policy line '" + key + "'");
            }
        }
    }

    private static boolean bool(String v) throws Failure {
        if (v.equals("true")) return true;
        if (v.equals("false")) return false;
        throw new Failure(FAILED, "policy: expected true or false, got '" + v + "'");
    }

    private static int port(String v) throws Failure {
        try {
            int p = Integer.parseInt(v);
            if (p >= 0 && p <= 65535) return p;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new Failure(FAILED, "policy: bad tcp port '" + v + "'");
    }

    static byte[] unescape(byte[] v) {
        if (indexOf(v, (byte) '\\') < 0) return v;
        ByteArrayOutputStream out = new ByteArrayOutputStream(v.length);
        for (int i = 0; i < v.length; i++) {
            byte b = v[i];
            if (b == '\\' && i + 1 < v.length) {
                byte n = v[++i];
                out.write(n == 'n' ? '\n' : n);
            } else {
                out.write(b);
            }
        }
        return out.toByteArray();
    }

    /** The last {@code n} arguments exactly as exec passed them (Java decodes args by the locale). */
    private static byte[][] rawArgs(int n) throws Failure {
        try {
            List<byte[]> all = split(proc("/proc/self/cmdline"), (byte) 0);
            if (all.size() < n) throw new Failure(FAILED, "cannot read the arguments from /proc/self/cmdline");
            return all.subList(all.size() - n, all.size()).toArray(new byte[0][]);
        } catch (IOException e) {
            throw new Failure(FAILED, "cannot read /proc/self/cmdline: " + e.getMessage());
        }
    }

    /**
     * The variables the policy keeps, from this process's environment as exec passed it with
     * {@code overrides} ({@code NAME=value} entries) laid over it.
     */
    private byte[][] environment(List<byte[]> overrides) throws Failure {
        java.util.Map<String, byte[]> all = new java.util.LinkedHashMap<>();
        try {
            for (byte[] e : split(proc("/proc/self/environ"), (byte) 0)) put(all, e);
        } catch (IOException e) {
            throw new Failure(FAILED, "cannot read /proc/self/environ: " + e.getMessage());
        }
        for (byte[] e : overrides) put(all, e);
        List<byte[]> kept = new ArrayList<>();
        for (byte[] e : all.values()) {
            if (keeps(Arrays.copyOf(e, indexOf(e, (byte) '=')))) kept.add(e);
        }
        return kept.toArray(new byte[0][]);
    }

    private static void put(java.util.Map<String, byte[]> env, byte[] entry) {
        int eq = indexOf(entry, (byte) '=');
        if (eq > 0) env.put(new String(entry, 0, eq, StandardCharsets.ISO_8859_1), entry);
    }

    private boolean keeps(byte[] name) {
        for (byte[] pattern : env) {
            if (pattern.length > 0 && pattern[pattern.length - 1] == '*') {
                if (name.length >= pattern.length - 1 && Arrays.equals(name, 0, pattern.length - 1, pattern, 0, pattern.length - 1)) {
                    return true;
                }
            } else if (Arrays.equals(name, pattern)) {
                return true;
            }
        }
        return false;
    }

    // ---- system calls and C strings -----------------------------------------------------------

    private long sys(long nr, long a, long b, long c) throws Failure {
        return sys(nr, a, b, c, 0);
    }

    private long sys(long nr, long a, long b, long c, long d) throws Failure {
        try {
            long r = (long) SYSCALL.invokeExact(callState, nr, a, b, c, d, 0L);
            errno = r < 0 ? callState.get(ValueLayout.JAVA_INT, ERRNO) : 0;
            return r;
        } catch (Throwable t) {
            throw new Failure(FAILED, "system call " + nr + " failed: " + t);
        }
    }

    private MemorySegment cstr(byte[] s) {
        MemorySegment m = arena.allocate(s.length + 1L);
        MemorySegment.copy(s, 0, m, ValueLayout.JAVA_BYTE, 0, s.length);
        m.set(ValueLayout.JAVA_BYTE, s.length, (byte) 0);
        return m;
    }

    private MemorySegment cstrArray(byte[][] items) {
        MemorySegment a = arena.allocate(ValueLayout.ADDRESS, items.length + 1L);
        for (int i = 0; i < items.length; i++) a.setAtIndex(ValueLayout.ADDRESS, i, cstr(items[i]));
        a.setAtIndex(ValueLayout.ADDRESS, items.length, MemorySegment.NULL);
        return a;
    }

    /** realpath of {@code path}, or the path itself when it does not exist (it then protects nothing). */
    private byte[] realPath(byte[] path) throws Failure {
        long fd = sys(NR.openat, AT_FDCWD, cstr(path).address(), O_PATH | O_CLOEXEC);
        if (fd < 0) return path;
        try {
            byte[] r = readLink(("/proc/self/fd/" + fd).getBytes(StandardCharsets.US_ASCII));
            return r == null ? path : r;
        } finally {
            sys(NR.close, fd, 0, 0);
        }
    }

    private byte[] readLink(byte[] link) throws Failure {
        MemorySegment buf = arena.allocate(4097);
        long n = sys(NR.readlinkat, AT_FDCWD, cstr(link).address(), buf.address(), 4096);
        if (n < 0) return null;
        return buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
    }

    /** A /proc file read to its end (Files.readAllBytes stops after one byte on sysctl files). */
    private static byte[] proc(String name) throws IOException {
        try (FileInputStream in = new FileInputStream(name)) {
            return in.readAllBytes();
        }
    }

    private static List<byte[]> split(byte[] b, byte sep) {
        List<byte[]> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= b.length; i++) {
            if (i == b.length || b[i] == sep) {
                if (i > start || i < b.length) out.add(Arrays.copyOfRange(b, start, i));
                start = i + 1;
            }
        }
        return out;
    }

    private static int indexOf(byte[] b, byte x) {
        for (int i = 0; i < b.length; i++) if (b[i] == x) return i;
        return -1;
    }

    private static boolean startsWith(byte[] b, String prefix) {
        byte[] p = prefix.getBytes(StandardCharsets.US_ASCII);
        return b.length >= p.length && Arrays.equals(b, 0, p.length, p, 0, p.length);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private void log(String level, String message) {
        boolean show = switch (logLevel) {
            case "debug" -> true;
            case "info" -> !level.equals("debug");
            default -> false;
        };
        if (show) System.err.println("anvillm sandbox: " + message);
    }

    static String error(int errno) {
        return switch (errno) {
            case 1 -> "operation not permitted";
            case 2 -> "no such file or directory";
            case 7 -> "argument list too long";
            case 8 -> "exec format error";
            case 12 -> "out of memory";
            case 13 -> "permission denied";
            case 20 -> "not a directory";
            case 21 -> "is a directory";
            case 22 -> "invalid argument";
            case 24 -> "too many open files";
            case 26 -> "text file busy";
            case 36 -> "file name too long";
            case 38 -> "function not implemented (ENOSYS)";
            case 40 -> "too many levels of symbolic links";
            case 95 -> "operation not supported (EOPNOTSUPP)";
            default -> "errno " + errno;
        };
    }
}
