package dev.anvillm.ninep.tree;

import dev.anvillm.ninep.server.Fid;
import dev.anvillm.ninep.server.NinepException;

/** Runs one command line of a control file. */
@FunctionalInterface
public interface LineCommands {
    /**
     * Runs {@code line} (without its newline). Returns what a read of the same fid should give
     * afterwards, or null. Throws to fail the write that carried the line. May block: it runs on a
     * virtual thread, one at a time per fid.
     */
    String run(Fid fid, String line) throws NinepException;
}
