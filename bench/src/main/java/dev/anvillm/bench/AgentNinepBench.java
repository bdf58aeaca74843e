package dev.anvillm.bench;

import dev.anvillm.ninep.client.Fid;
import dev.anvillm.ninep.client.NinepClient;
import dev.anvillm.ninep.proto.OpenMode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The {@code 9p} an agent runs inside its session, whole process, as the agent's shell runs it: a
 * real daemon, an {@code sh} session under the default sandbox (no sandbox.yaml) and a peer (the
 * test agent, no work time). A bash script typed into the session's shell times, interleaved round
 * by round with the shell's own clock ({@code $EPOCHREALTIME}): {@code /bin/true} (what any command
 * costs that shell), the floor (a JVM printing "hello" with the in-session 9p's JVM options, its AOT
 * cache aside), {@code 9p read agent/list} and {@code echo x | 9p write agent/peer/in} as the
 * session's PATH finds them (with the AOT cache the daemon trained), and the same two without that
 * cache. Goal (the one-shot client's budget): ≤ 2× the floor and ≤ 200 ms.
 */
public final class AgentNinepBench {
    private static final String HELLO = StartBench.Hello.class.getName();

    public static void main(String[] args) throws Exception {
        int runs = 21;
        if (args.length > 1 || args.length == 1 && !args[0].matches("[1-9]\\d{0,3}")) {
            System.err.println("bin/bench agent9p: usage: bin/bench agent9p [runs]");
            System.exit(2);
        }
        if (args.length == 1) runs = Integer.parseInt(args[0]);
        String loadBefore = StartBench.load();
        try (Daemons d = Daemons.start(Map.of(), Daemons.BENCH_AGENT); NinepClient c = NinepClient.connect(d.socket())) {
            Path work = Files.createDirectories(d.home.resolve("project"));
            String peer = create(c, "new bench " + work + " alias=peer");
            String me = create(c, "new sh " + work + " alias=me");
            awaitState(c, peer, "idle");
            awaitState(c, me, "idle");
            // the daemon trains the in-session 9p's AOT cache a moment after it answers; the figures
            // are those of the later calls, once it has (and of none of its training runs)
            Path script = awaitNinepScript(d.dir);
            d.awaitNoTraining();
            List<String> withCache = execLine(script);
            List<String> without = withCache.stream().filter(a -> !a.startsWith("-XX:AOTCache=")).toList();
            boolean aot = withCache.size() != without.size();
            List<String> floor = new ArrayList<>(without.subList(0, without.indexOf("-cp")));
            floor.addAll(List.of("-cp", copyHello(work.resolve("floor")).toString(), HELLO));

            Files.writeString(work.resolve("9p-noaot"), "#!/bin/sh\nexec " + words(without) + " \"$@\"\n");
            Files.writeString(work.resolve("agent9p.sh"), benchScript(floor));
            c.writeAll(me + "/in", ("bash agent9p.sh " + runs + " > agent9p.out 2> agent9p.err; echo $? > agent9p.tmp; mv agent9p.tmp agent9p.rc\n")
                    .getBytes(StandardCharsets.UTF_8));
            Path rc = work.resolve("agent9p.rc");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60L + 20L * runs);
            while (!Files.exists(rc)) {
                if (System.nanoTime() > deadline) throw new IOException("the script in the session did not finish; its screen:\n" + read(c, me + "/screen"));
                Thread.sleep(200); // polling a condition, with a deadline
            }
            String err = Files.readString(work.resolve("agent9p.err"));
            if (!Files.readString(rc).strip().equals("0")) throw new IOException("the script in the session failed: " + err);

            Map<String, List<Double>> ms = new LinkedHashMap<>();
            String which = "";
            for (String line : Files.readAllLines(work.resolve("agent9p.out"))) {
                String[] f = line.split(" ", 2);
                if (f[0].equals("which")) which = f[1];
                else ms.computeIfAbsent(f[0], k -> new ArrayList<>()).add(Long.parseLong(f[1]) / 1000.0);
            }
            if (!which.equals(script.toString())) throw new IOException("the session's 9p is " + which + ", not " + script);
            String list = read(c, "list");

            double f = median(ms.get("floor"));
            System.out.printf("load average before %s, after %s (2 cores here: above 2, the figures are the machine's)%n", loadBefore, StartBench.load());
            System.out.printf("inside an sh session, default sandbox; %d rounds, interleaved; 9p on the session's PATH: %s%n", runs, which);
            System.out.printf("AOT cache: %s%n", aot ? withCache.stream().filter(a -> a.startsWith("-XX:AOTCache=")).findFirst().orElseThrow()
                    .substring("-XX:AOTCache=".length()) : "none (the daemon's training run did not make one)");
            row("/bin/true (what any command costs)", ms.get("true"), f, false);
            row("java hello, same JVM options (floor)", ms.get("floor"), f, false);
            row("9p read agent/list (" + list.lines().count() + " sessions)", ms.get("read"), f, true);
            row("echo x | 9p write agent/peer/in", ms.get("write"), f, true);
            row("  the read, without the AOT cache", ms.get("read-noaot"), f, false);
            row("  the write, without the AOT cache", ms.get("write-noaot"), f, false);
            System.out.printf("the AOT cache saves %.0f ms per read and %.0f ms per write (medians)%n",
                    median(ms.get("read-noaot")) - median(ms.get("read")), median(ms.get("write-noaot")) - median(ms.get("write")));
            for (String id : List.of(me, peer)) c.writeAll(id + "/ctl", "kill\n".getBytes(StandardCharsets.UTF_8));
        }
    }

    /** The script the session's shell runs: each command timed by the shell itself, round by round. */
    private static String benchScript(List<String> floor) {
        return """
                #!/usr/bin/env bash
                # written by bin/bench agent9p; run by the session's shell: "<what> <microseconds>" per command
                set -u
                floor=(%s)
                now() { t=${EPOCHREALTIME//[!0-9]/}; }
                timed() { # timed WHAT COMMAND...
                	local what=$1 t0
                	shift
                	now
                	t0=$t
                	"$@" >/dev/null || { echo "$what failed" >&2; exit 1; }
                	now
                	echo "$what $((t - t0))"
                }
                write() { echo "bench message" | 9p write agent/peer/in; }
                write_noaot() { echo "bench message" | sh ./9p-noaot write agent/peer/in; }
                echo "which $(command -v 9p)"
                for _ in $(seq "$1"); do
                	timed true /bin/true
                	timed floor "${floor[@]}"
                	timed read 9p read agent/list
                	timed write write
                	timed read-noaot sh ./9p-noaot read agent/list
                	timed write-noaot write_noaot
                done
                """.formatted(words(floor));
    }

    /** Waits (two minutes at most) for the 9p the daemon writes for sessions to name its AOT cache; returns it (with or without). */
    private static Path awaitNinepScript(Path daemonDir) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        Path found = null;
        while (System.nanoTime() < deadline) {
            try (Stream<Path> all = Files.walk(daemonDir.resolve("state"))) {
                found = all.filter(p -> p.endsWith("sandbox/9p/bin/9p")).findFirst().orElse(null);
            }
            if (found != null && Files.readString(found).contains("-XX:AOTCache=")) return found;
            Thread.sleep(200); // polling a condition, with a deadline
        }
        if (found == null) throw new IOException("the daemon wrote no 9p for its sessions within two minutes");
        return found;
    }

    /** The words of bin/9p's exec line, up to its main class (sh quoting undone). */
    static List<String> execLine(Path script) throws IOException {
        String exec = Files.readAllLines(script).stream().filter(l -> l.startsWith("exec ")).findFirst()
                .orElseThrow(() -> new IOException("no exec line in " + script));
        List<String> words = new ArrayList<>();
        StringBuilder w = null;
        char quote = 0;
        for (char ch : exec.substring(5).toCharArray()) {
            if (quote != 0) {
                if (ch == quote) quote = 0;
                else w.append(ch);
            } else if (ch == '\'' || ch == '"') {
                quote = ch;
                if (w == null) w = new StringBuilder();
            } else if (ch == ' ') {
                if (w != null) words.add(w.toString());
                w = null;
            } else {
                if (w == null) w = new StringBuilder();
                w.append(ch);
            }
        }
        if (w != null) words.add(w.toString());
        int main = words.indexOf("dev.anvillm.ninep.cli.NinepCommand");
        if (main < 0 || !words.contains("-cp")) throw new IOException("not the 9p client's exec line: " + exec);
        return List.copyOf(words.subList(0, main + 1));
    }

    /** The floor's class, copied where the session can read it; returns the class path directory. */
    private static Path copyHello(Path dir) throws IOException {
        String name = HELLO.replace('.', '/') + ".class";
        Path f = dir.resolve(name);
        Files.createDirectories(f.getParent());
        try (InputStream in = StartBench.Hello.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) throw new IOException("no " + name + " on the class path");
            Files.write(f, in.readAllBytes());
        }
        return dir;
    }

    /** Words for sh and bash, each single-quoted. */
    private static String words(List<String> argv) {
        StringBuilder b = new StringBuilder();
        for (String a : argv) b.append(b.isEmpty() ? "" : " ").append("'").append(a.replace("'", "'\\''")).append("'");
        return b.toString();
    }

    private static String create(NinepClient c, String line) throws IOException {
        try (Fid f = c.open("ctl", OpenMode.ORDWR)) {
            byte[] b = (line + "\n").getBytes(StandardCharsets.UTF_8);
            f.write(0, b, 0, b.length);
            return new String(f.read(0, 64), StandardCharsets.UTF_8).strip();
        }
    }

    private static String read(NinepClient c, String path) throws IOException {
        return new String(c.readAll(path), StandardCharsets.UTF_8);
    }

    private static void awaitState(NinepClient c, String id, String want) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String state = "";
        while (!(state = read(c, id + "/state").strip()).equals(want)) {
            if (System.nanoTime() > deadline) throw new IOException("session " + id + " is " + state + ", not " + want + ", after 60 s");
            Thread.sleep(50); // polling a condition, with a deadline
        }
    }

    private static void row(String what, List<Double> ms, double floor, boolean goal) {
        double m = median(ms);
        System.out.printf("%-42s median %6.1f ms  (min %6.1f)  %5.2fx the floor%s%n", what, m, Collections.min(ms), m / floor,
                goal ? "   goal <= 2x and <= 200 ms: " + (m <= 2 * floor && m <= 200 ? "met" : "NOT met") : "");
    }

    private static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }
}
