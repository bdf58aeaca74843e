package dev.anvillm.srv;

import dev.anvillm.srv.host.SdNotify;
import dev.anvillm.srv.namespace.Daemon;
import dev.anvillm.srv.namespace.DaemonControl;
import dev.anvillm.srv.namespace.Failure;
import dev.anvillm.srv.namespace.Locations;
import dev.anvillm.srv.namespace.Status;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;

/** {@code anvilsrv}: the daemon, and the commands that start, stop and ask after it. */
@Command(name = "anvilsrv",
        description = {"The anvillm daemon: serves the agent/ tree over 9P on $NAMESPACE/agent.",
                "Namespace: $NAMESPACE, else /tmp/ns.$USER.$DISPLAY. State and log: $XDG_STATE_HOME/anvillm/."},
        subcommands = {Anvilsrv.Start.class, Anvilsrv.Fgstart.class, Anvilsrv.Stop.class, Anvilsrv.StatusCommand.class},
        synopsisSubcommandLabel = "(start | fgstart | stop | status)")
public final class Anvilsrv implements Callable<Integer> {
    @Option(names = {"-h", "--help"}, usageHelp = true, scope = ScopeType.INHERIT, description = "Show this help and exit.")
    boolean help;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        // What launchers and services run, bare, skips picocli: its classes are Java 5 bytecode,
        // which the AOT cache cannot hold linked, and loading and verifying them is the biggest
        // single cost of a start (both JVMs of anvilsrv start: the command, then the daemon).
        if (args.length == 1 && args[0].equals("start")) return bare(new Start());
        if (args.length == 1 && args[0].equals("fgstart")) return bare(new Fgstart());
        CommandLine cl = new CommandLine(new Anvilsrv());
        cl.setParameterExceptionHandler((e, a) -> {
            PrintWriter err = e.getCommandLine().getErr();
            err.println("anvilsrv: " + e.getMessage() + "; see " + e.getCommandLine().getCommandSpec().qualifiedName() + " --help");
            err.flush();
            return 2;
        });
        cl.setExecutionExceptionHandler((e, c, parsed) -> {
            PrintWriter err = c.getErr();
            err.println(e instanceof Failure ? e.getMessage() : "anvilsrv: " + describe(e));
            err.flush();
            return 1;
        });
        return cl.execute(args);
    }

    /** A command with its defaults, its failures said as picocli's handler says them. */
    private static int bare(Callable<Integer> command) {
        try {
            return command.call();
        } catch (Exception e) {
            System.err.println(e instanceof Failure ? e.getMessage() : "anvilsrv: " + describe(e));
            return 1;
        }
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m.lines().findFirst().orElse(m);
    }

    @Override
    public Integer call() {
        System.err.println("anvilsrv: missing command: start, fgstart, stop or status (see anvilsrv --help)");
        return 2;
    }

    static Locations locations() {
        return Locations.from(System.getenv());
    }

    @Command(name = "start", description = "Start the daemon in the background; return once its socket answers.")
    static final class Start implements Callable<Integer> {
        @Option(names = "--timeout", defaultValue = "30", paramLabel = "SECONDS", description = "How long to wait for the socket to answer (default ${DEFAULT-VALUE}).")
        int timeout = 30;

        @Override
        public Integer call() throws Failure, InterruptedException {
            Locations loc = locations();
            if ("1".equals(System.getenv(IN_PLACE))) {
                // an installed launcher's start: this JVM is the daemon (see DaemonControl.startInPlace)
                logFormat();
                return serve(new DaemonControl(loc).startInPlace(Duration.ofSeconds(timeout)));
            }
            long pid = new DaemonControl(loc).start(Duration.ofSeconds(timeout));
            System.out.println("anvilsrv started (pid " + pid + ") on " + loc.socket());
            return 0;
        }
    }

    @Command(name = "fgstart", description = "Run the daemon in the foreground, logging to stderr (what services use).")
    static final class Fgstart implements Callable<Integer> {
        @Override
        public Integer call() throws Failure, InterruptedException {
            logFormat();
            return serve(Daemon.start(locations()));
        }
    }

    /** The daemon's log lines: date, time, level, logger, message. */
    private static void logFormat() {
        System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tF %1$tT %4$s %3$s: %5$s%6$s%n");
    }

    /**
     * Set by an installed launcher's {@code start}, which has detached the JVM and reads one line
     * from it: the JVM then serves as the daemon itself (bin/install writes the launcher).
     */
    static final String IN_PLACE = "ANVILSRV_IN_PLACE";

    /** Runs {@code daemon} until it closes: what fgstart does once its socket answers. */
    private static int serve(Daemon daemon) throws InterruptedException {
        // under a systemd Type=notify unit: ready now that the socket answers (no-op elsewhere)
        tellSystemd("READY=1\nMAINPID=" + daemon.pid() + "\nSTATUS=listening on " + daemon.locations().socket());
        // Logging may already be shut down when the hook runs, hence the plain stderr line.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            tellSystemd("STOPPING=1");
            daemon.close();
            System.err.println(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss"))
                    + " INFO anvilsrv: stopped (pid " + daemon.pid() + ")");
        }, "anvilsrv-shutdown"));
        daemon.awaitClose();
        return 0;
    }

    /** Tells systemd (through $NOTIFY_SOCKET) how the daemon is; a failure is logged, never fatal. */
    private static void tellSystemd(String state) {
        String failed = SdNotify.notify(state);
        if (failed != null) System.err.println("anvilsrv: cannot notify systemd: " + failed);
    }

    @Command(name = "stop", description = "Ask the daemon to exit and wait until it has. Sessions keep running in tmux.")
    static final class Stop implements Callable<Integer> {
        @Option(names = "--sessions", description = "Stop the sessions too.")
        boolean sessions;

        @Option(names = "--timeout", defaultValue = "30", paramLabel = "SECONDS", description = "How long to wait for it to exit (default ${DEFAULT-VALUE}).")
        int timeout;

        @Override
        public Integer call() throws Failure {
            Locations loc = locations();
            if (sessions) new DaemonControl(loc).stopSessions();
            if (new DaemonControl(loc).stop(Duration.ofSeconds(timeout))) System.out.println("anvilsrv stopped");
            else System.out.println("anvilsrv is not running (namespace " + loc.namespaceDir() + ")");
            return 0;
        }
    }

    @Command(name = "status", description = "Exit 0 and print pid, namespace, socket, uptime and session count when the daemon runs; exit 1 otherwise.")
    static final class StatusCommand implements Callable<Integer> {
        @Option(names = "--json", description = "Print one JSON object instead.")
        boolean json;

        @Override
        public Integer call() {
            Status s = new DaemonControl(locations()).status();
            System.out.println(json ? s.json() : s.text());
            return s.running() ? 0 : 1;
        }
    }
}
