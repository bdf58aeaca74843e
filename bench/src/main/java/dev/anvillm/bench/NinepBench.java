package dev.anvillm.bench;

import dev.anvillm.ninep.proto.Codec;
import dev.anvillm.ninep.proto.Message;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Small-file Tread round trips against a real daemon (one in flight, then 16 pipelined), and
 * the same message sizes against a plain Unix-socket request/response server in the same run.
 * Prints both rates and their ratio. Goals: ≥ 0.6 with one in flight, ≥ 0.3 with 16.
 */
public final class NinepBench {
    public static void main(String[] args) throws Exception {
        int requests = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        String file = args.length > 2 ? args[2] : "backends";
        try (Daemons d = Daemons.start(Map.of())) {
            int replySize;
            byte[][] byTag = new byte[16][];
            for (int t = 0; t < 16; t++) byTag[t] = Codec.encode(new Message.Tread(t, 1, 0, 4096));
            try (RoundTrips c = open(d.socket(), file)) {
                c.write(byTag[0]);
                replySize = c.read().length;
            }
            Path plainSock = Files.createTempDirectory("anvillm-plain").resolve("sock");
            Process plain = new ProcessBuilder(Daemons.javaBin(), "-cp", System.getProperty("java.class.path"),
                    PlainServer.class.getName(), plainSock.toString(), Integer.toString(replySize))
                    .redirectErrorStream(true).start();
            try {
                plain.getInputStream().read(new byte[6]);
                System.out.printf("9P Tread of agent/" + file + ": request %d bytes, reply %d bytes; %d requests x %d rounds%n",
                        byTag[0].length, replySize, requests, rounds);
                for (int depth : new int[]{1, 16}) {
                    double ours = median(rounds, () -> {
                        try (RoundTrips c = open(d.socket(), file)) {
                            return c.run(requests, depth, t -> byTag[t]);
                        }
                    });
                    double base = median(rounds, () -> {
                        try (RoundTrips c = new RoundTrips(plainSock)) {
                            return c.run(requests, depth, t -> byTag[t]);
                        }
                    });
                    double goal = depth == 1 ? 0.6 : 0.3;
                    System.out.printf("in flight %2d: anvilsrv %,9.0f rt/s (%.1f us)  plain socket %,9.0f rt/s (%.1f us)  ratio %.2f (goal >= %.1f) %s%n",
                            depth, ours, 1e6 / ours * depth, base, 1e6 / base * depth, ours / base, goal, ours / base >= goal ? "ok" : "BELOW GOAL");
                }
            } finally {
                plain.destroy();
            }
        }
    }

    interface Round {
        double run() throws IOException;
    }

    private static double median(int rounds, Round r) throws IOException {
        r.run(); // warm-up
        List<Double> xs = new ArrayList<>();
        for (int i = 0; i < rounds; i++) xs.add(r.run());
        double[] a = xs.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        return a[a.length / 2];
    }

    /** Connects, versions, attaches and opens agent/{@code file} as fid 1. */
    private static RoundTrips open(Path socket, String file) throws IOException {
        RoundTrips c = new RoundTrips(socket);
        c.write(Codec.encode(new Message.Tversion(Message.NOTAG, 65560, "9P2000")));
        c.read();
        c.write(Codec.encode(new Message.Tattach(0, 0, Message.NOFID, System.getProperty("user.name"), "")));
        c.read();
        c.write(Codec.encode(new Message.Twalk(0, 0, 1, List.of(file))));
        c.read();
        c.write(Codec.encode(new Message.Topen(0, 1, 0)));
        c.read();
        return c;
    }
}
