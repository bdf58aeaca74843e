package dev.anvillm.ninep.server;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Shares the server's room among its peers, per connection, by who the peer is ({@link
 * Access#admit}'s principal): how many connections of its kind may be open, and what one of
 * them may hold (fids, requests in flight). An {@link Access} that also implements this decides
 * it; otherwise every connection gets the server's limits and counts against one total.
 */
public interface Admission {
    /**
     * Counts a new connection of {@code principal} as open and returns its limits, or returns
     * null to refuse it: its kind has no room left.
     */
    ServerLimits open(Object principal);

    /** A connection that {@link #open} admitted has closed. */
    void closed(Object principal);

    /** Every connection alike: {@code limits}, at most {@code limits.maxConnections()} at once. */
    static Admission total(ServerLimits limits) {
        AtomicInteger open = new AtomicInteger();
        return new Admission() {
            @Override
            public ServerLimits open(Object principal) {
                if (open.incrementAndGet() > limits.maxConnections()) {
                    open.decrementAndGet();
                    return null;
                }
                return limits;
            }

            @Override
            public void closed(Object principal) {
                open.decrementAndGet();
            }
        };
    }
}
