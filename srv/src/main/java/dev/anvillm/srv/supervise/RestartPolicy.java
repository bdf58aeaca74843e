package dev.anvillm.srv.supervise;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * When to restart a backend that died: delays from {@code initial} doubling to {@code max}; a
 * run of {@code resetAfter} resets the delay; more than {@code maxRestarts} within
 * {@code window} means it is broken, and a human must look.
 */
public record RestartPolicy(Duration initial, Duration max, Duration resetAfter, int maxRestarts, Duration window) {
    public static final RestartPolicy DEFAULT = new RestartPolicy(
            Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ofSeconds(30), 5, Duration.ofMinutes(10));

    /** A duration as people write it: 600 ms, 2 s, 10 min. */
    public static String human(Duration d) {
        if (d.toMillis() < 1000 || d.toMillis() % 1000 != 0) return d.toMillis() + " ms";
        if (d.toSeconds() < 60 || d.toSeconds() % 60 != 0) return d.toSeconds() + " s";
        return d.toMinutes() + " min";
    }

    /** One session's restart history; owned by that session. */
    public static final class Tracker {
        private final RestartPolicy policy;
        private final Deque<Long> restarts = new ArrayDeque<>();
        private Duration delay;

        public Tracker(RestartPolicy policy) {
            this.policy = policy;
            this.delay = policy.initial();
        }

        /**
         * A crash after running {@code ranFor}: the delay before the next start, or null when the
         * limit is passed.
         */
        public Duration onCrash(Duration ranFor, long nowMs) {
            if (ranFor.compareTo(policy.resetAfter()) >= 0) delay = policy.initial();
            while (!restarts.isEmpty() && restarts.peekFirst() < nowMs - policy.window().toMillis()) restarts.pollFirst();
            if (restarts.size() >= policy.maxRestarts()) return null;
            restarts.addLast(nowMs);
            Duration d = delay;
            delay = delay.multipliedBy(2).compareTo(policy.max()) > 0 ? policy.max() : delay.multipliedBy(2);
            return d;
        }

        public int recent() {
            return restarts.size();
        }

        public RestartPolicy policy() {
            return policy;
        }

        /**
         * Counts a restart made at {@code atMs} by an earlier daemon (from the session's durable
         * history), so the limit holds across daemon restarts. The delay starts over.
         */
        public void restartedAt(long atMs, long nowMs) {
            if (atMs >= nowMs - policy.window().toMillis()) restarts.addLast(atMs);
        }

        /** A human started it again: forget the history. */
        public void reset() {
            restarts.clear();
            delay = policy.initial();
        }
    }
}
