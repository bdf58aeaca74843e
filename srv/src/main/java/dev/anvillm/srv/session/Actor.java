package dev.anvillm.srv.session;

import java.util.ArrayDeque;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Runs one session's work one task at a time, in submission order, on a virtual thread: the
 * single owner of the session's mutable state, so transitions, the queue and restarts never race.
 */
final class Actor {
    private static final System.Logger LOG = System.getLogger("anvilsrv");

    private final String name;
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    private boolean draining;
    private volatile Thread owner;

    Actor(String name) {
        this.name = name;
    }

    void execute(Runnable task) {
        synchronized (this) {
            tasks.add(task);
            if (draining) return;
            draining = true;
        }
        Thread.ofVirtual().name("session-" + name).start(this::drain);
    }

    private void drain() {
        owner = Thread.currentThread();
        try {
            while (true) {
                Runnable t;
                synchronized (this) {
                    t = tasks.poll();
                    if (t == null) {
                        draining = false;
                        return;
                    }
                }
                try {
                    t.run();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "session " + name + ": task failed", e);
                }
            }
        } finally {
            owner = null;
        }
    }

    boolean onActor() {
        return owner == Thread.currentThread();
    }

    /** Runs {@code task} on the actor and waits for its result; inline when already on it. */
    <T> T call(Callable<T> task) throws Exception {
        if (onActor()) return task.call();
        CompletableFuture<T> f = new CompletableFuture<>();
        execute(() -> {
            try {
                f.complete(task.call());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        });
        try {
            return f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception ex) throw ex;
            throw e;
        }
    }
}
