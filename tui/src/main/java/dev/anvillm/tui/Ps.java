package dev.anvillm.tui;

import dev.anvillm.ninep.cli.JsonText;
import dev.anvillm.client.AgentClient;
import dev.anvillm.client.ClientException;
import dev.anvillm.client.Stats;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code anvillm ps [--json]}: every session with what its process tree uses, from one read of
 * {@code agent/stats}, as a table (GoPM's {@code list}) or a JSON array for scripts.
 */
@Command(name = "anvillm ps", description = "List the sessions with what their process trees use: CPU %% over the last few seconds, "
        + "memory (PSS, else RSS), uptime of the backend process, restarts, listening TCP ports (a ! marks one bound beyond loopback).")
public final class Ps implements Callable<Integer> {
    static final List<String> COLUMNS = List.of("ID", "ALIAS", "STATE", "CPU%", "MEM", "UPTIME", "RESTARTS", "PORTS");

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Option(names = "--json", description = "Print a JSON array of objects: id, alias, state, cpu, rss, pss, memory, uptime, restarts, processes, ports [{address, port, exposed}].")
    boolean json;

    private final PrintStream out;

    public Ps() {
        this(System.out);
    }

    Ps(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out));
    }

    static int run(String[] args, PrintStream out) {
        CommandLine cl = new CommandLine(new Ps(out));
        cl.setParameterExceptionHandler((e, a) -> {
            System.err.println("anvillm ps: " + e.getMessage() + "; see anvillm ps --help");
            return 2;
        });
        return cl.execute(args);
    }

    @Override
    public Integer call() {
        List<Stats> stats;
        try (AgentClient c = AgentClient.forNamespace()) {
            stats = c.stats();
        } catch (ClientException e) {
            System.err.println("anvillm ps: " + e.getMessage());
            return 1;
        }
        out.print(json ? json(stats) : table(stats));
        out.flush();
        return 0;
    }

    /** The table, its columns as wide as their widest cell; the ports last, whole. */
    static String table(List<Stats> stats) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(COLUMNS);
        for (Stats s : stats) {
            boolean runs = s.processes() > 0;
            rows.add(List.of(s.id(), s.alias() == null ? "-" : s.alias(), s.state().word(), runs ? Stats.cpuText(s.cpu()) : "-",
                    runs ? Stats.bytesText(s.memory()) : "-", runs ? Stats.durationText(s.uptime()) : "-",
                    Integer.toString(s.restarts()), s.ports().isEmpty() ? "-" : s.ports().stream().map(Stats.Port::text).collect(Collectors.joining(" "))));
        }
        int[] w = new int[COLUMNS.size()];
        for (List<String> r : rows) for (int i = 0; i < w.length; i++) w[i] = Math.max(w[i], r.get(i).length());
        StringBuilder sb = new StringBuilder();
        for (List<String> r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < w.length; i++) {
                String cell = r.get(i);
                boolean number = i == 3 || i == 4 || i == 6; // right-aligned, as ps does
                if (i == w.length - 1) line.append(cell);
                else line.append(number ? " ".repeat(w[i] - cell.length()) + cell : cell + " ".repeat(w[i] - cell.length())).append("  ");
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
        return sb.toString();
    }

    static String json(List<Stats> stats) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < stats.size(); i++) {
            Stats s = stats.get(i);
            sb.append(i == 0 ? "\n  " : ",\n  ").append('{')
                    .append("\"id\":").append(JsonText.string(s.id()))
                    .append(",\"alias\":").append(s.alias() == null ? "null" : JsonText.string(s.alias()))
                    .append(",\"state\":").append(JsonText.string(s.state().word()))
                    .append(",\"cpu\":").append(String.format(Locale.ROOT, "%.1f", s.cpu()))
                    .append(",\"rss\":").append(s.rss())
                    .append(",\"pss\":").append(s.pss() < 0 ? "null" : Long.toString(s.pss()))
                    .append(",\"memory\":").append(s.memory())
                    .append(",\"uptime\":").append(s.uptime().toSeconds())
                    .append(",\"restarts\":").append(s.restarts())
                    .append(",\"processes\":").append(s.processes())
                    .append(",\"ports\":[")
                    .append(s.ports().stream().map(p -> "{\"address\":" + JsonText.string(p.address()) + ",\"port\":" + p.port() + ",\"exposed\":" + p.exposed() + "}")
                            .collect(Collectors.joining(",")))
                    .append("]}");
        }
        return sb.append(stats.isEmpty() ? "]\n" : "\n]\n").toString();
    }
}
