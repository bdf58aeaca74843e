package dev.anvillm.srv.namespace;

import dev.anvillm.srv.host.Native;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** {@code anvilsrv start}, {@code stop} and {@code status}: the daemon of one namespace, from outside. */
public final class DaemonControl {
    /** The log is set aside (to {@code anvilsrv.log.1}) at a start that finds it bigger than this. */
    static final long LOG_ROTATE_BYTES = 1 << 20;

    private final Locations loc;

    public DaemonControl(Locations loc) {
        this.loc = loc;
    }

    /**
     * Runs {@code anvilsrv fgstart} in the background (its own session, output to the log in the
     * state dir) and returns its pid once the socket answers; fails with the daemon's own reason.
     */
    public long start(Duration timeout) throws Failure {
        Optional<ProcessHandle> running = DaemonProcess.find(loc);
        if (running.isPresent() && Probe.answers(loc.socket(), Duration.ofSeconds(2))) throw Daemon.alreadyRunning(running.get().pid());
        Daemon.createPrivateDirs(loc.stateDir());
        Path log = loc.logFile();
        long offset = prepareLog(log);
        Process p;
        try {
            p = new ProcessBuilder(fgstartCommand())
                    .directory(Path.of("/").toFile())
                    .redirectInput(Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(Redirect.appendTo(log.toFile()))
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            throw new Failure("anvilsrv: cannot run the daemon: " + NamespaceDir.reason(e));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (true) {
                if (!p.isAlive()) throw failureFromLog(log, offset, p.exitValue());
                if (PidFile.read(loc.pidFile()).equals(OptionalLong.of(p.pid())) && Probe.answers(loc.socket(), Duration.ofSeconds(1))) {
                    return p.pid();
                }
                // looked at every 10 ms: the wait is part of every start (bin/bench start)
                if (p.waitFor(10, TimeUnit.MILLISECONDS)) continue;
                if (System.nanoTime() > deadline) {
                    p.destroy();
                    throw new Failure(notAnswered(timeout, log));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure("anvilsrv: interrupted while waiting for the daemon (pid " + p.pid() + ")");
        }
    }

    /**
     * {@code anvilsrv start} as an installed launcher runs it: the launcher has already detached
     * this JVM from the terminal ({@code setsid -f}, stdin from /dev/null) and reads its stdout and
     * stderr through one pipe, so this JVM becomes the daemon rather than starting one (one JVM
     * per start, not two; bin/bench start). From here on its output goes to the log; the launcher
     * gets one line, "anvilsrv started ..." once the socket answers, else why not, and then the
     * end of its pipe. Returns the running daemon; a failure has been said on the pipe already.
     */
    public Daemon startInPlace(Duration timeout) throws Failure {
        System.out.flush();
        System.err.flush();
        int launcher = Native.dupCloexec(1);
        if (launcher < 0) throw new Failure("anvilsrv: cannot keep the launcher's pipe: errno " + -launcher);
        boolean redirected = false; // until then, what the caller prints on stderr reaches the launcher itself
        try {
            Daemon.createPrivateDirs(loc.stateDir());
            Path log = loc.logFile();
            prepareLog(log);
            int fd = Native.open(log, Native.O_WRONLY | Native.O_APPEND | Native.O_CLOEXEC);
            if (fd < 0) throw new Failure("anvilsrv: cannot write the log " + log + ": errno " + -fd);
            try {
                if (Native.dupOnto(fd, 1) < 0 || Native.dupOnto(fd, 2) < 0) {
                    throw new Failure("anvilsrv: cannot send the output to " + log);
                }
            } finally {
                Native.close(fd);
            }
            redirected = true;
            Thread watchdog = Thread.ofPlatform().daemon().name("start-watchdog").start(() -> {
                try {
                    Thread.sleep(timeout);
                } catch (InterruptedException e) {
                    return;
                }
                tell(launcher, notAnswered(timeout, log));
                Runtime.getRuntime().halt(1);
            });
            Daemon d = Daemon.start(loc);
            watchdog.interrupt();
            tell(launcher, "anvilsrv started (pid " + d.pid() + ") on " + loc.socket());
            return d;
        } catch (Failure e) {
            if (redirected) tell(launcher, e.getMessage()); // and the log has it from the caller, as fgstart's has
            throw e;
        } catch (RuntimeException e) {
            if (redirected) tell(launcher, "anvilsrv: the daemon failed to start (" + e + "); see " + loc.logFile());
            throw e;
        } finally {
            Native.close(launcher);
        }
    }

    /** What a start says when its daemon has not answered in time, either way it starts. */
    private String notAnswered(Duration timeout, Path log) {
        return "anvilsrv: the daemon did not answer on " + loc.socket() + " within " + timeout.toSeconds() + "s; see " + log;
    }

    /** One line to the launcher's pipe; a launcher that has gone (its terminal closed) is no failure. */
    private static void tell(int fd, String line) {
        Native.writeAll(fd, (line + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Writes {@code stop} to every session's ctl, through the tree like any client; the sessions
     * then stay stopped (durable flag) when a daemon starts again. All at once, each on its own
     * fid: a stop waits for its session's processes to end, and they end side by side.
     */
    public void stopSessions() throws Failure {
        if (!Files.exists(loc.socket())) return;
        try (var c = dev.anvillm.ninep.client.NinepClient.connect(loc.socket())) {
            String list = new String(c.readAll("list"), StandardCharsets.UTF_8);
            List<CompletableFuture<Void>> stops = new ArrayList<>();
            for (String line : list.split("\n")) {
                String[] f = line.split("\t");
                if (f.length < 3 || f[2].equals("stopped") || f[2].equals("error")) continue;
                stops.add(CompletableFuture.runAsync(() -> {
                    try {
                        c.writeAll(f[0] + "/ctl", "stop\n".getBytes(StandardCharsets.UTF_8));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }, Thread::startVirtualThread));
            }
            for (CompletableFuture<Void> s : stops) s.get();
        } catch (IOException e) {
            throw new Failure("anvilsrv: cannot stop the sessions: " + e.getMessage());
        } catch (ExecutionException e) {
            Throwable why = e.getCause() instanceof UncheckedIOException u ? u.getCause() : e.getCause();
            throw new Failure("anvilsrv: cannot stop the sessions: " + why.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure("anvilsrv: interrupted while stopping the sessions");
        }
    }

    /** Asks the daemon to exit (SIGTERM) and waits until it has. False when none was running. */
    public boolean stop(Duration timeout) throws Failure {
        Optional<ProcessHandle> running = DaemonProcess.find(loc);
        if (running.isEmpty()) return false;
        ProcessHandle d = running.get();
        d.destroy();
        // through a pidfd: ProcessHandle.onExit polls a process that is not our child, seconds apart
        if (Native.awaitExit(d.pid(), timeout.toMillis())) return true;
        throw new Failure("anvilsrv: pid " + d.pid() + " did not exit within " + timeout.toSeconds() + "s; kill -9 " + d.pid() + " forces it");
    }

    public Status status() {
        Optional<ProcessHandle> running = DaemonProcess.find(loc);
        if (running.isEmpty()) {
            return new Status(false, -1, loc.namespaceDir(), loc.socket(), loc.logFile(), Duration.ZERO, -1,
                    "anvilsrv is not running (namespace " + loc.namespaceDir() + ")");
        }
        ProcessHandle d = running.get();
        String list;
        try {
            list = Probe.read(loc.socket(), "list", Duration.ofSeconds(3));
        } catch (IOException e) {
            return new Status(false, d.pid(), loc.namespaceDir(), loc.socket(), loc.logFile(), Duration.ZERO, -1,
                    "anvilsrv (pid " + d.pid() + ") is not answering on " + loc.socket() + ": " + e.getMessage());
        }
        int sessions = (int) list.lines().filter(l -> !l.isBlank()).count();
        Duration uptime = d.info().startInstant().map(t -> Duration.between(t, Instant.now())).orElse(Duration.ZERO);
        return new Status(true, d.pid(), loc.namespaceDir(), loc.socket(), loc.logFile(), uptime, sessions, null);
    }

    /** How this JVM runs {@code anvilsrv fgstart}: same java, same class path, detached with setsid when there is one. */
    static List<String> fgstartCommand() {
        List<String> cmd = new ArrayList<>();
        for (String s : List.of("/usr/bin/setsid", "/bin/setsid")) {
            if (Files.isExecutable(Path.of(s))) {
                cmd.add(s);
                break;
            }
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // the same JVM options this one got (bin/lib/anvilsrv.jvm, anvillm.home, native access)
        List<String> jvm = java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments();
        cmd.addAll(jvm);
        if (!jvm.contains("--enable-native-access=ALL-UNNAMED")) cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-cp");
        // absolute, since the daemon runs in /
        cmd.add(Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(e -> Path.of(e).toAbsolutePath().toString()).collect(Collectors.joining(File.pathSeparator)));
        cmd.add(DaemonProcess.MAIN_CLASS);
        cmd.add("fgstart");
        return cmd;
    }

    /** Creates the log 0600, sets a big one aside; returns where this start's output will begin. */
    private static long prepareLog(Path log) throws Failure {
        try {
            if (Files.exists(log) && Files.size(log) > LOG_ROTATE_BYTES) {
                Files.move(log, log.resolveSibling(log.getFileName() + ".1"), StandardCopyOption.REPLACE_EXISTING);
            }
            if (!Files.exists(log)) {
                Files.createFile(log, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
            return Files.size(log);
        } catch (IOException e) {
            throw new Failure("anvilsrv: cannot write the log " + log + ": " + NamespaceDir.reason(e));
        }
    }

    /** The daemon's last words: fgstart ends a failed start with one line that says why. */
    private static Failure failureFromLog(Path log, long offset, int status) {
        String last = null;
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            long from = Math.max(offset, f.length() - 64 * 1024);
            byte[] tail = new byte[(int) (f.length() - from)];
            f.seek(from);
            f.readFully(tail);
            for (String line : new String(tail, StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) last = line.strip();
            }
        } catch (IOException e) {
            // fall through to the generic message
        }
        if (last != null && last.startsWith("anvilsrv")) return new Failure(last);
        return new Failure("anvilsrv: the daemon exited with status " + status + " before answering"
                + (last == null ? "" : " (" + last + ")") + "; see " + log);
    }
}
