package dev.anvillm.bench;

import dev.anvillm.ninep.client.Fid;
import dev.anvillm.ninep.client.NinepClient;
import dev.anvillm.ninep.proto.OpenMode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The Emacs mode (emacs/anvillm.el) with COUNT sessions: a small read over its kept 9P
 * connection, against a whole {@code bin/anvillm 9p read} process for the same file (plan9port's
 * {@code 9p} is not installed here; where it is, it costs about 11 ms), and a refresh of the
 * table ({@code agent/list} read, parsed and drawn; goal ≤ 50 ms with 200 sessions), a read of a
 * 2 MiB log (64 KiB messages) and the garbage collections it causes, with the mode
 * byte-compiled as package.el installs it.
 */
public final class EmacsBench {
    public static void main(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Path home = Path.of(System.getProperty("anvillm.home", "."));
        Daemons d = Daemons.start(Map.of(), Daemons.BENCH_AGENT);
        List<String> ids = new ArrayList<>();
        try (NinepClient c = NinepClient.connect(d.socket())) {
            Path dir = Files.createDirectories(d.home.resolve("project"));
            System.out.printf("starting %d test-agent sessions…%n", count);
            for (int i = 0; i < count; i++) ids.add(create(c, dir));

            List<Double> process = new ArrayList<>();
            for (int i = 0; i < rounds; i++) {
                ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/anvillm").toString(), "9p", "read", "agent/" + ids.getFirst() + "/state")
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
                pb.environment().putAll(d.env);
                long t0 = System.nanoTime();
                int exit = pb.start().waitFor();
                if (exit != 0) throw new IOException("bin/anvillm 9p read exited " + exit);
                process.add((System.nanoTime() - t0) / 1e6);
            }

            // byte-compiled, as package.el installs it
            Path lisp = Files.createDirectories(d.dir.resolve("lisp"));
            for (String f : List.of("anvillm-9p.el", "anvillm.el")) Files.copy(home.resolve("emacs").resolve(f), lisp.resolve(f));
            Process compile = new ProcessBuilder("emacs", "--batch", "-Q", "-L", lisp.toString(), "-f", "batch-byte-compile",
                    lisp.resolve("anvillm-9p.el").toString(), lisp.resolve("anvillm.el").toString()).redirectErrorStream(true).start();
            String compiled = new String(compile.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (compile.waitFor() != 0) throw new IOException("byte-compile failed:\n" + compiled);
            ProcessBuilder pb = new ProcessBuilder("emacs", "--batch", "-Q", "-L", lisp.toString(),
                    "-l", home.resolve("emacs/test/anvillm-bench.el").toString()).redirectErrorStream(true);
            pb.environment().putAll(d.env);
            Process emacs = pb.start();
            String out = new String(emacs.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (emacs.waitFor() != 0) throw new IOException("emacs failed:\n" + out);
            double read = figure(out, "small-read", 0), readMin = figure(out, "small-read", 1);
            double refresh = figure(out, "refresh", 0), refreshMin = figure(out, "refresh", 1);
            System.out.printf("bin/anvillm 9p read (a process)     median %8.2f ms  (min %.2f)%n", TuiBench.median(process), Collections.min(process));
            System.out.printf("small read, kept connection (Emacs) median %8.3f ms  (min %.3f)  %.4fx the process%n",
                    read, readMin, read / TuiBench.median(process));
            System.out.printf("refresh of %d sessions (Emacs)     median %8.2f ms  (min %.2f)  goal <= 50 ms%n", count, refresh, refreshMin);
            System.out.printf("  of which: agent/list read        median %8.2f ms  (min %.2f)%n", figure(out, "list-read", 0), figure(out, "list-read", 1));
            System.out.printf("  of which: the table drawn        median %8.2f ms  (min %.2f)%n", figure(out, "draw", 0), figure(out, "draw", 1));
            System.out.printf("  (sessions in agent/list: %.0f; rows in *AnviLLM*: %.0f)%n", figure(out, "refresh", 2), figure(out, "rows", 0));
            System.out.printf("read of a 2 MiB log (Emacs)         median %8.2f ms  (min %.2f)  %.0f collections in 10 reads, %.2f ms of GC per read%n",
                    figure(out, "big-read", 0), figure(out, "big-read", 1), figure(out, "big-read-gc", 0), figure(out, "big-read-gc", 1));
        } finally {
            try (NinepClient c = NinepClient.connect(d.socket())) {
                for (String id : ids) {
                    try (Fid f = c.open(id + "/ctl", OpenMode.OWRITE)) {
                        byte[] kill = "kill\n".getBytes(StandardCharsets.UTF_8);
                        f.write(0, kill, 0, kill.length);
                    } catch (IOException gone) {
                        // already gone
                    }
                }
            }
            d.close();
        }
    }

    /** Field {@code n} (0: median, 1: min) of the {@code BENCH name ...} line. */
    private static double figure(String out, String name, int n) {
        for (String line : out.split("\n")) {
            String[] f = line.split(" ");
            if (f.length > 2 + n && f[0].equals("BENCH") && f[1].equals(name)) return Double.parseDouble(f[2 + n]);
        }
        throw new IllegalStateException("no " + name + " figure in:\n" + out);
    }

    private static String create(NinepClient c, Path dir) throws IOException {
        try (Fid f = c.open("ctl", OpenMode.ORDWR)) {
            byte[] line = ("new bench '" + dir + "'\n").getBytes(StandardCharsets.UTF_8);
            f.write(0, line, 0, line.length);
            return new String(f.read(0, 64), StandardCharsets.UTF_8).strip();
        }
    }
}
