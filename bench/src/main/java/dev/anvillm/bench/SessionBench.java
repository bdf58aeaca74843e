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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Session figures with the project's test agent (zero work time, so what is measured is the
 * daemon, tmux, the sandbox launcher and the agent's own start): `new` until `idle` (seen on
 * agent/events) for sessions started one at a time a second apart, as a user starts them (the
 * daemon's spare sandbox launcher is ready then), and back to back (it is not); a prompt until
 * its `reply` read returns, then — with COUNT sessions alive —
 * the time to read `list` and the daemon's resident memory. Timings are ratios to a baseline
 * measured in the same run ({@link BareTmux}: the same agent bare in a tmux window, its prompt
 * typed with send-keys and its reply read off the pane, by tmux's commands as a script runs them
 * and, as a floor, through one control-mode client): goals new -> idle ≤ 1.3x the bare start,
 * prompt -> reply ≤ 1.5x the direct round trip; list ≤ 5 ms, ≤ 300 MB.
 */
public final class SessionBench {

    public static void main(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        try (Daemons d = Daemons.start(Map.of(), Daemons.BENCH_AGENT); NinepClient c = NinepClient.connect(d.socket())) {
            Path dir = Files.createDirectories(d.home.resolve("project"));
            Map<String, CompletableFuture<Long>> idle = new ConcurrentHashMap<>();
            Thread.ofVirtual().start(() -> followEvents(d.socket(), idle));
            Thread.sleep(200); // let the events reader open its fid before the first session exists

            // one at a time, as a user starts them: the daemon quiet in between (its spare launcher ready)
            List<Double> startMs = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 15; i++) {
                Thread.sleep(1000); // the pace of a user, not a wait for a condition: nothing else is measured meanwhile
                long t0 = System.nanoTime();
                String id = create(c, dir, idle);
                long t1 = idle.get(id).get(60, TimeUnit.SECONDS);
                startMs.add((t1 - t0) / 1e6);
                ids.add(id);
            }
            // back to back: each `new` as soon as the one before is idle (no spare launcher can keep up)
            List<Double> burstMs = new ArrayList<>();
            for (int i = 0; i < 15; i++) {
                long t0 = System.nanoTime();
                String id = create(c, dir, idle);
                long t1 = idle.get(id).get(60, TimeUnit.SECONDS);
                burstMs.add((t1 - t0) / 1e6);
                ids.add(id);
            }
            System.out.println("new -> idle, 1 s apart, each (ms):    " + startMs.stream().map(x -> String.format("%.0f", x)).toList());
            System.out.println("new -> idle, back to back, each (ms): " + burstMs.stream().map(x -> String.format("%.0f", x)).toList());
            String id = ids.getFirst();
            List<Double> turnMs = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                long t0 = System.nanoTime();
                c.writeAll(id + "/in", ("prompt " + i + "\n").getBytes(StandardCharsets.UTF_8));
                String reply = new String(c.readAll(id + "/reply"), StandardCharsets.UTF_8);
                turnMs.add((System.nanoTime() - t0) / 1e6);
                if (!reply.startsWith("echo: prompt " + i + " ")) throw new IllegalStateException("unexpected reply: " + reply);
            }
            // the baseline, in the same run: the same agent bare in a tmux window, driven directly
            List<Double> bareStart = new ArrayList<>(), bareTurn = new ArrayList<>(), cmdTurn = new ArrayList<>();
            try (BareTmux bare = new BareTmux(d.dir)) {
                Path agent = Path.of(System.getProperty("anvillm.home", "."), "testagent", "anvillm-testagent");
                Path transcripts = Files.createDirectories(d.dir.resolve("bare-transcripts"));
                for (int i = 0; i < 15; i++) {
                    long t0 = System.nanoTime();
                    long t1 = bare.start(List.of("node", agent.toString(), "--work-ms", "0", "--transcript-dir", transcripts.toString()), "\n> ");
                    bareStart.add((t1 - t0) / 1e6);
                }
                for (int i = 0; i < 30; i++) {
                    long t0 = System.nanoTime();
                    bare.roundTrip("prompt " + i, "echo: prompt " + i + " ");
                    bareTurn.add((System.nanoTime() - t0) / 1e6);
                }
                for (int i = 30; i < 60; i++) {
                    long t0 = System.nanoTime();
                    bare.roundTripByCommands("prompt " + i, "echo: prompt " + i + " ");
                    cmdTurn.add((System.nanoTime() - t0) / 1e6);
                }
            }
            // what the contract makes every turn write durably (temp file, fsync, rename): the prompt
            // before its write is answered (and its directory), its removal once delivered, the
            // hook mark after each of the turn's two hooks -- timed alone, on the same disk
            List<Double> syncMs = durableWrites(Files.createDirectories(d.dir.resolve("durability/queue")), 30);
            double startRatio = median(startMs) / median(bareStart), turnRatio = median(turnMs) / median(cmdTurn);
            System.out.printf("new -> idle       median %6.1f ms  (min %.1f, max %.1f; %d sessions 1 s apart)%n",
                    median(startMs), Collections.min(startMs), Collections.max(startMs), startMs.size());
            System.out.printf("  bare start      median %6.1f ms  (the agent in a tmux window, no daemon: until its prompt shows)%n", median(bareStart));
            System.out.printf("  ratio           %6.2fx  (goal <= 1.3x) %s%n", startRatio, startRatio <= 1.3 ? "ok" : "ABOVE GOAL");
            System.out.printf("new -> idle       median %6.1f ms  (min %.1f, max %.1f; %d sessions back to back)%n",
                    median(burstMs), Collections.min(burstMs), Collections.max(burstMs), burstMs.size());
            System.out.printf("prompt -> reply   median %6.1f ms  (min %.1f, max %.1f; %d turns)%n",
                    median(turnMs), Collections.min(turnMs), Collections.max(turnMs), turnMs.size());
            System.out.printf("  direct tmux     median %6.1f ms  (tmux's commands, a process each: send-keys, then capture-pane until the reply shows)%n",
                    median(cmdTurn));
            System.out.printf("  ratio           %6.2fx  (goal <= 1.5x) %s%n", turnRatio, turnRatio <= 1.5 ? "ok" : "ABOVE GOAL");
            System.out.printf("  tmux's floor    median %6.1f ms  (one control-mode client: send-keys, then the reply in the pane's %%output; no process)%n",
                    median(bareTurn));
            System.out.printf("  ratio to it     %6.2fx%n", median(turnMs) / median(bareTurn));
            double rest = median(turnMs) - median(syncMs);
            System.out.printf("  durable writes  median %6.1f ms  (a turn's: prompt file and directory, its removal, 2 hook marks: 5 fsyncs)%n",
                    median(syncMs));
            System.out.printf("  without them    %6.1f ms = %.2fx the direct round trip, %.2fx tmux's floor%n", rest, rest / median(cmdTurn), rest / median(bareTurn));

            long t0 = System.nanoTime();
            List<CompletableFuture<Long>> all = new ArrayList<>();
            while (ids.size() < count) {
                String x = create(c, dir, idle);
                ids.add(x);
                all.add(idle.get(x));
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(30, TimeUnit.MINUTES);
            System.out.printf("%d sessions started in %.1f s%n", count, (System.nanoTime() - t0) / 1e9);
            List<Double> listMs = new ArrayList<>();
            int lines = 0;
            for (int i = 0; i < 200; i++) {
                long s = System.nanoTime();
                lines = new String(c.readAll("list"), StandardCharsets.UTF_8).split("\n").length;
                listMs.add((System.nanoTime() - s) / 1e6);
            }
            System.out.printf("list read          median %6.2f ms  (%d lines; goal <= 5 ms) %s%n", median(listMs), lines, median(listMs) <= 5 ? "ok" : "ABOVE GOAL");
            long rssKb = rssKb(d.process.pid());
            System.out.printf("daemon RSS         %6.0f MB with %d sessions (goal <= 300 MB) %s%n", rssKb / 1024.0, count, rssKb <= 300 * 1024 ? "ok" : "ABOVE GOAL");
            for (String x : ids) c.writeAll(x + "/ctl", "kill\n".getBytes(StandardCharsets.UTF_8));
        }
    }

    /** The durable writes of one turn, as SessionStore makes them, {@code rounds} times: each round's milliseconds. */
    private static List<Double> durableWrites(Path queue, int rounds) throws IOException {
        List<Double> ms = new ArrayList<>();
        byte[] prompt = "prompt 0\n".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < rounds; i++) {
            long t0 = System.nanoTime();
            Path p = queue.resolve(String.format("%016d.prompt", i));
            dev.anvillm.srv.store.AtomicFiles.write(p, prompt);
            Files.delete(p);
            dev.anvillm.srv.store.AtomicFiles.syncDir(queue);
            for (int h = 0; h < 2; h++) {
                dev.anvillm.srv.store.AtomicFiles.rewrite(queue.resolveSibling("hooks.mark"), ("1234 " + h + "\n").getBytes(StandardCharsets.UTF_8));
            }
            ms.add((System.nanoTime() - t0) / 1e6);
        }
        return ms;
    }

    private static String create(NinepClient c, Path dir, Map<String, CompletableFuture<Long>> idle) throws IOException {
        try (Fid f = c.open("ctl", OpenMode.ORDWR)) {
            byte[] line = ("new bench " + dir + "\n").getBytes(StandardCharsets.UTF_8);
            f.write(0, line, 0, line.length);
            String id = new String(f.read(0, 64), StandardCharsets.UTF_8).strip();
            idle.computeIfAbsent(id, k -> new CompletableFuture<>());
            return id;
        }
    }

    /** Completes each session's future with the time its first `state ... idle` event arrived. */
    private static void followEvents(Path socket, Map<String, CompletableFuture<Long>> idle) {
        try (NinepClient c = NinepClient.connect(socket); Fid f = c.open("events", OpenMode.OREAD)) {
            StringBuilder partial = new StringBuilder();
            while (true) {
                partial.append(new String(f.read(0, 8192), StandardCharsets.UTF_8));
                int nl;
                while ((nl = partial.indexOf("\n")) >= 0) {
                    String line = partial.substring(0, nl);
                    partial.delete(0, nl + 1);
                    String[] w = line.split(" ");
                    if (w.length >= 4 && w[2].equals("state") && w[3].equals("idle")) {
                        idle.computeIfAbsent(w[1], k -> new CompletableFuture<>()).complete(System.nanoTime());
                    }
                }
            }
        } catch (IOException e) {
            // the daemon went away: the benchmark is over
        }
    }

    private static long rssKb(long pid) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("[^0-9]", ""));
        }
        return -1;
    }

    private static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }
}
