package dev.anvillm.srv.tree;

import dev.anvillm.ninep.server.Fid;
import dev.anvillm.ninep.server.ReadRequest;
import dev.anvillm.ninep.tree.File;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/**
 * A file whose content is made afresh by each read at offset 0, on a virtual thread (it may run
 * tmux or wait, never on the event loop); later offsets of the same fid read that snapshot, so
 * a reader in several Treads sees one consistent text.
 */
record SnapshotFile(String what, Callable<String> make) implements File.Behavior {
    @Override
    public void read(Fid fid, ReadRequest r) {
        if (readSnapshot(fid, r)) return;
        Thread.ofVirtual().name(what).start(() -> {
            String text;
            try {
                text = make.call();
            } catch (InterruptedException e) {
                r.error("interrupted");
                return;
            } catch (Exception e) {
                r.error("cannot read " + what + ": " + e.getMessage());
                return;
            }
            takeSnapshot(fid, r, text.getBytes(StandardCharsets.UTF_8));
        });
    }

    /** A read past offset 0 of a fid that took a snapshot reads that snapshot; true when it did. */
    static boolean readSnapshot(Fid fid, ReadRequest r) {
        byte[] snap = fid.aux();
        if (r.offset() == 0 || snap == null) return false;
        r.respondFrom(snap);
        return true;
    }

    /** Keeps {@code b} as the fid's snapshot (later offsets read it) and answers from it. */
    static void takeSnapshot(Fid fid, ReadRequest r, byte[] b) {
        fid.aux(b);
        r.respondFrom(b);
    }
}
