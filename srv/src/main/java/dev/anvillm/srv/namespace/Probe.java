package dev.anvillm.srv.namespace;

import dev.anvillm.ninep.client.NinepClient;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * ninep's client with a deadline, for start and status: does the socket answer, and what does
 * one small file of the root hold. A server that does not answer in time counts as absent.
 */
final class Probe {
    private Probe() {}

    interface Call<T> {
        T run(NinepClient c) throws IOException;
    }

    /** True when a 9P server on {@code socket} answers a Tversion within {@code timeout}. */
    static boolean answers(Path socket, Duration timeout) {
        try {
            return withDeadline(socket, timeout, c -> true);
        } catch (IOException e) {
            return false;
        }
    }

    /** The content of {@code name} in the root of the tree served on {@code socket}. */
    static String read(Path socket, String name, Duration timeout) throws IOException {
        return withDeadline(socket, timeout, c -> new String(c.readAll(name), StandardCharsets.UTF_8));
    }

    private static <T> T withDeadline(Path socket, Duration timeout, Call<T> call) throws IOException {
        NinepClient[] client = new NinepClient[1];
        CompletableFuture<T> f = CompletableFuture.supplyAsync(() -> {
            try (NinepClient c = NinepClient.connect(socket, NinepClient.Options.defaults().withAuth(false))) {
                client[0] = c;
                return call.run(c);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, Thread::startVirtualThread);
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            if (client[0] != null) client[0].close();
            throw new IOException("no answer on " + socket + " within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            Throwable c = e.getCause() instanceof java.io.UncheckedIOException u ? u.getCause() : e.getCause();
            throw c instanceof IOException io ? io : new IOException(String.valueOf(c.getMessage()), c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }
}
