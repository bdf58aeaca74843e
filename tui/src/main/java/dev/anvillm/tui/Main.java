package dev.anvillm.tui;

import com.googlecode.lanterna.screen.TerminalScreen;
import com.googlecode.lanterna.terminal.ansi.UnixTerminal;
import dev.anvillm.client.AgentClient;
import dev.anvillm.client.ClientException;

import java.io.IOException;

/** {@code anvillm}: the terminal UI. The terminal is given back as it was on q, on Ctrl-C, on SIGTERM and on a crash. */
public final class Main {
    private static final String USAGE = """
            Usage: anvillm [COMMAND [ARGS...]]

            With no command: the terminal UI, a live table of the daemon's sessions.
            Keys: s new · p prompt · t stop · S start · R restart · K kill · i interrupt
                  a alias · c context · l log · r refresh · d daemon · / filter
                  Enter attach · ? help · q quit

            Commands:
              9p read|write|ls|stat|rdwr ...  a 9P client, command-line compatible with plan9port's 9p
              attach <id|alias>               attach the terminal to a session's tmux window
              ps [--json]                     the sessions with CPU %, memory, uptime, restarts, listening ports
              --help                          show this help

            The daemon is found through $NAMESPACE (else /tmp/ns.$USER.$DISPLAY); start it with anvilsrv start.
            """;

    private Main() {}

    public static void main(String[] args) {
        if (args.length > 0) {
            if (args[0].equals("-h") || args[0].equals("--help") || args[0].equals("help")) {
                System.out.print(USAGE);
                System.exit(0);
            }
            System.err.println("anvillm: unknown command '" + args[0] + "'; see anvillm --help");
            System.exit(2);
        }
        if (System.console() == null) {
            System.err.println("anvillm: the terminal UI needs a terminal; for scripts use anvillm 9p (see anvillm --help)");
            System.exit(1);
        }
        AgentClient client;
        try {
            client = AgentClient.forNamespace();
        } catch (ClientException e) {
            System.err.println("anvillm: " + e.getMessage());
            System.exit(1);
            return;
        }
        System.exit(run(client));
    }

    static int run(AgentClient client) {
        Tui tui = new Tui(client, System.getProperty("user.dir"));
        tui.follow(); // the daemon is dialled while the terminal is set up
        UnixTerminal terminal;
        TerminalScreen screen;
        try {
            terminal = new RawTerminal();
            screen = new TerminalScreen(terminal);
            screen.startScreen();
            screen.setCursorPosition(null);
        } catch (IOException e) {
            System.err.println("anvillm: cannot use this terminal: " + e.getMessage());
            return 1;
        }
        // SIGTERM, SIGHUP: the terminal is given back before the JVM goes
        Thread restore = new Thread(() -> giveBack(screen, terminal), "restore-terminal");
        Runtime.getRuntime().addShutdownHook(restore);
        Throwable crash = null;
        try {
            tui.run(screen);
        } catch (Throwable t) {
            crash = t;
        } finally {
            giveBack(screen, terminal);
            try {
                Runtime.getRuntime().removeShutdownHook(restore);
            } catch (IllegalStateException e) {
                // already shutting down
            }
            client.close();
        }
        if (crash != null) {
            System.err.println("anvillm: crashed: " + crash + "; the terminal was restored; please report this with the trace below");
            crash.printStackTrace();
            return 1;
        }
        return 0;
    }

    private static void giveBack(TerminalScreen screen, UnixTerminal terminal) {
        try {
            screen.stopScreen(false);
        } catch (IOException | RuntimeException e) {
            // the terminal settings below matter more
        }
        try {
            terminal.close();
        } catch (IOException | RuntimeException e) {
            // nothing more can be done
        }
    }
}
