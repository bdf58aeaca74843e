package dev.anvillm.ninep.proto;

import org.junit.jupiter.api.Test;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Mutation fuzzing of {@link Codec#decode}: starting from a valid encoding of every message type,
 * feed it mutated frames for {@code -Dfuzz.seconds} (default 20) and require that each one is
 * either rejected with a DecodeException or decoded to a message that re-encodes to the very
 * same bytes. The run is fixed by {@code -Dfuzz.seed} (random and printed when unset); a
 * failure prints the offending frame in hex. {@code bin/fuzz-codec} runs it for longer.
 */
class CodecFuzzTest {
    private static final double DEFAULT_SECONDS = 20;
    private static final int MAX_POOL = 4096;
    private static final int MAX_REPORTED = 10;

    /** The frame being decoded, for the report if a decode never returns. */
    private volatile byte[] current = new byte[0];

    @Test
    void decodeRejectsOrRoundTripsEveryMutatedFrame() {
        double seconds = fuzzSeconds();
        long seed = fuzzSeed();
        Duration limit = Duration.ofMillis((long) (seconds * 1000) + 60_000);

        Run run = assertTimeoutPreemptively(limit, () -> fuzz(seconds, seed),
                () -> "decode did not return (seed " + seed + "): " + Frame.hex(current));

        System.out.println(run.summary());
        run.problems.forEach(System.out::println);
        assertEquals(0, run.escaped + run.mismatched, run.summary() + "\n" + String.join("\n", run.problems));
        assertEquals(SampleMessages.all().size(), run.seedsDecoded, "every seed frame decodes");
        assertTrue(run.rejected > 0, "some mutants are rejected: " + run.summary());
    }

    private Run fuzz(double seconds, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        FrameMutator mutator = new FrameMutator(rnd);
        List<byte[]> seeds = SampleMessages.all().stream().map(Codec::encode).toList();
        List<byte[]> pool = new ArrayList<>(seeds);
        Run run = new Run(seed);

        long start = System.nanoTime();
        long deadline = start + (long) (seconds * 1e9);
        for (byte[] s : seeds) check(s, run);
        run.seedsDecoded = run.decoded;
        while ((run.inputs & 0xff) != 0 || System.nanoTime() < deadline) {
            byte[] input = mutator.mutate(pool.get(rnd.nextInt(pool.size())), pool.get(rnd.nextInt(pool.size())));
            if (check(input, run)) {
                // A mutant that decodes is a new valid shape worth mutating further.
                if (pool.size() < MAX_POOL) pool.add(input);
                else pool.set(seeds.size() + rnd.nextInt(MAX_POOL - seeds.size()), input);
            }
        }
        run.elapsedNanos = System.nanoTime() - start;
        return run;
    }

    /** Decodes {@code frame} and checks what came back; true if it decoded. */
    private boolean check(byte[] frame, Run run) {
        run.inputs++;
        current = frame;
        Message m;
        try {
            m = Codec.decode(frame);
        } catch (DecodeException e) {
            run.rejected++;
            return false;
        } catch (Throwable t) {
            // Errors included: an OutOfMemoryError here means a count was trusted before it was checked.
            run.escaped++;
            run.problem("decode threw " + t, frame);
            return false;
        }
        run.decoded++;
        try {
            byte[] again = Codec.encode(m);
            if (!Arrays.equals(frame, again)) {
                run.mismatched++;
                run.problem("re-encoded " + m + " differently: " + Frame.hex(again), frame);
            } else if (!Objects.equals(m, Codec.decode(again))) {
                run.mismatched++;
                run.problem("re-encoding of " + m + " decodes to something else", frame);
            }
        } catch (Throwable t) {
            run.mismatched++;
            run.problem("re-encoding " + m + " threw " + t, frame);
        }
        return true;
    }

    private static double fuzzSeconds() {
        String s = System.getProperty("fuzz.seconds", "").strip();
        if (s.isEmpty()) return DEFAULT_SECONDS;
        try {
            double v = Double.parseDouble(s);
            if (v >= 0) return v;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("fuzz.seconds must be a number of seconds, got '" + s + "'");
    }

    private static long fuzzSeed() {
        String s = System.getProperty("fuzz.seed", "").strip();
        if (s.isEmpty()) return new SecureRandom().nextLong();
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("fuzz.seed must be a long, got '" + s + "'");
        }
    }

    private static final class Run {
        final long seed;
        long inputs, decoded, rejected, escaped, mismatched, seedsDecoded, elapsedNanos;
        final List<String> problems = new ArrayList<>();

        Run(long seed) {
            this.seed = seed;
        }

        void problem(String what, byte[] frame) {
            if (problems.size() < MAX_REPORTED) {
                problems.add("input " + inputs + " (seed " + seed + "): " + what + "\n  frame: " + Frame.hex(frame));
            }
        }

        String summary() {
            String line = String.format("codec fuzz: %d inputs in %.1f s, %d decoded, %d rejected, %d escaped (seed %d)",
                    inputs, elapsedNanos / 1e9, decoded, rejected, escaped, seed);
            return mismatched == 0 ? line : line + "; " + mismatched + " decoded but did not re-encode to the same frame";
        }
    }
}
