package dev.anvillm.srv.cli;

import dev.anvillm.ninep.client.Namespace;
import dev.anvillm.ninep.client.NinepClient;
import dev.anvillm.ninep.client.NotFoundException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code anvillm attach <id|alias>}: attach the terminal to the session's tmux window. The
 * daemon says where (the {@code tmux} line of the session's {@code info}); this only runs it.
 */
@Command(name = "anvillm attach", description = "Attach the terminal to a session's tmux window (detach with C-b d).")
public final class Attach implements Callable<Integer> {
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Option(names = "--print", description = "Print the tmux command instead of running it.")
    boolean print;

    @Parameters(paramLabel = "<id|alias>", description = "The session, by id or alias (see anvillm 9p read agent/list).")
    String session;

    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new Attach());
        cl.setParameterExceptionHandler((e, a) -> {
            System.err.println("anvillm attach: " + e.getMessage() + "; see anvillm attach --help");
            return 2;
        });
        System.exit(cl.execute(args));
    }

    @Override
    public Integer call() throws InterruptedException {
        List<String> argv;
        try (NinepClient c = NinepClient.connect(Namespace.resolve().socket("agent"))) {
            String info = new String(c.readAll(session + "/info"), StandardCharsets.UTF_8);
            argv = tmuxLine(info);
        } catch (NotFoundException e) {
            System.err.println("anvillm attach: no session '" + session + "'; see anvillm 9p read agent/list");
            return 1;
        } catch (IOException e) {
            System.err.println("anvillm attach: " + e.getMessage() + "; is the daemon running (anvilsrv status)?");
            return 1;
        }
        if (argv == null) {
            System.err.println("anvillm attach: the daemon did not say where session " + session + " runs");
            return 1;
        }
        if (print) {
            System.out.println(String.join(" ", argv));
            return 0;
        }
        if (System.console() == null) {
            System.err.println("anvillm attach: needs a terminal; to see the command, use --print");
            return 1;
        }
        try {
            return new ProcessBuilder(argv).inheritIO().start().waitFor();
        } catch (IOException e) {
            System.err.println("anvillm attach: cannot run tmux: " + e.getMessage());
            return 1;
        }
    }

    /** The words of info's {@code tmux} line: {@code tmux -S <socket> attach -t <target>}. */
    static List<String> tmuxLine(String info) {
        for (String line : info.split("\n")) {
            if (line.startsWith("tmux\t")) {
                String[] w = line.substring(5).trim().split(" ");
                // the socket path may hold spaces: everything between -S and "attach"
                int at = List.of(w).indexOf("attach");
                if (w.length < 5 || !w[0].equals("tmux") || !w[1].equals("-S") || at < 3) return null;
                String socket = String.join(" ", List.of(w).subList(2, at));
                return List.of("tmux", "-S", socket, "attach-session", "-t", "=" + w[w.length - 1]);
            }
        }
        return null;
    }
}
