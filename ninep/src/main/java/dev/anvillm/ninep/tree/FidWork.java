package dev.anvillm.ninep.tree;

import dev.anvillm.ninep.server.NinepException;
import dev.anvillm.ninep.server.Request;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** Work for one fid, run off the event loop on virtual threads, strictly in arrival order. */
class FidWork {
    private static final System.Logger LOG = System.getLogger("ninep");
    private static final ExecutorService THREADS = Executors.newVirtualThreadPerTaskExecutor();

    interface Step {
        void run() throws NinepException;
    }

    private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);

    /** Runs {@code step} after earlier steps of this fid; a throw answers {@code r} with the error. */
    synchronized void then(Request r, Step step) {
        tail = tail.thenRunAsync(() -> {
            try {
                step.run();
            } catch (NinepException e) {
                r.error(e);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "file handler failed", e);
                r.error("internal error: " + e.getClass().getSimpleName());
            }
        }, THREADS);
    }
}
