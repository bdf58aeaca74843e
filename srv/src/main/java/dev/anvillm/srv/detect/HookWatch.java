package dev.anvillm.srv.detect;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Wakes a session when its runtime directory changes (inotify, through WatchService), and
 * every second regardless, so a missed notification only delays, never loses, an event.
 */
public final class HookWatch implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("anvilsrv");

    private final WatchService service;
    private final Map<Path, Runnable> byDir = new ConcurrentHashMap<>();
    private final Map<Path, WatchKey> keys = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean closed;

    public HookWatch() throws IOException {
        service = FileSystems.getDefault().newWatchService();
        thread = Thread.ofPlatform().daemon().name("hook-watch").start(this::loop);
    }

    /** Calls {@code wake} whenever something in {@code dir} changes (and once a second). */
    public void watch(Path dir, Runnable wake) {
        byDir.put(dir, wake);
        try {
            keys.put(dir, dir.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY));
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot watch {0} ({1}); polling it instead", dir, e.getMessage());
        }
    }

    public void unwatch(Path dir) {
        byDir.remove(dir);
        WatchKey k = keys.remove(dir);
        if (k != null) k.cancel();
    }

    private void loop() {
        long lastSweep = System.nanoTime();
        while (!closed) {
            try {
                WatchKey key = service.poll(250, TimeUnit.MILLISECONDS);
                if (key != null) {
                    key.pollEvents();
                    key.reset();
                    Runnable r = byDir.get((Path) key.watchable());
                    if (r != null) r.run();
                }
                if (System.nanoTime() - lastSweep > 1_000_000_000L) {
                    lastSweep = System.nanoTime();
                    byDir.values().forEach(Runnable::run);
                }
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "hook watch", e);
            }
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        thread.interrupt();
        service.close();
    }
}
