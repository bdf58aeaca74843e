package dev.anvillm.ninep.tree;

import dev.anvillm.ninep.server.Fid;
import dev.anvillm.ninep.server.NinepException;

/** The rules of a whole-content file (prompts, context, alias). Runs on virtual threads, one at a time per fid. */
public interface WholeContent {
    /** Checks that can fail early: called before each Twrite is taken, with the size the content would reach. */
    default void check(Fid fid, long size) throws NinepException {}

    /** The fid was clunked after at least one Twrite (possibly empty): the content is final. */
    void commit(Fid fid, byte[] content) throws NinepException;
}
