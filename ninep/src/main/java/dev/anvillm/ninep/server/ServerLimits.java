package dev.anvillm.ninep.server;

/**
 * Bounds on what one client can make the server hold.
 *
 * @param maxMsize        largest message size offered in Rversion (at least 64 KiB of data)
 * @param maxFids         fids one connection may hold at once
 * @param maxConnections  connections served at once; more are closed on accept
 * @param maxInFlight     requests one connection may have pending (blocking reads included)
 */
public record ServerLimits(int maxMsize, int maxFids, int maxConnections, int maxInFlight) {
    public static final ServerLimits DEFAULT = new ServerLimits(65536 + 24, 4096, 256, 1024);
    public static final int MIN_MSIZE = 256;
}
