package dev.anvillm.tui;

import dev.anvillm.client.AgentClient;
import dev.anvillm.client.ClientException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
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
        try (AgentClient c = AgentClient.forNamespace()) {
            argv = c.info(session).attachCommand();
        } catch (ClientException e) {
            System.err.println("anvillm attach: " + e.getMessage());
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
            ProcessBuilder pb = new ProcessBuilder(argv).inheritIO();
            pb.environment().remove("TMUX"); // the daemon's own tmux server: not nested in the user's
            return pb.start().waitFor();
        } catch (IOException e) {
            System.err.println("anvillm attach: cannot run tmux: " + e.getMessage());
            return 1;
        }
    }
}
