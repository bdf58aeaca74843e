package dev.anvillm.srv.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** {@code anvillm attach <id|alias>}: attach the terminal to the session's tmux window. Not written yet. */
@Command(name = "anvillm attach", description = "Attach the terminal to a session's tmux window.")
public final class Attach implements Callable<Integer> {
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Parameters(arity = "0..1", paramLabel = "<id|alias>", description = "The session.")
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
    public Integer call() {
        System.err.println("anvillm attach: not yet available");
        return 1;
    }
}
