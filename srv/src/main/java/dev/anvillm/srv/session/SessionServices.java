package dev.anvillm.srv.session;

import dev.anvillm.srv.backend.Launcher;
import dev.anvillm.srv.detect.HookWatch;
import dev.anvillm.srv.host.Tmux;
import dev.anvillm.srv.sandbox.Sandbox;
import dev.anvillm.srv.sandbox.Spares;
import dev.anvillm.srv.store.SessionStore;
import dev.anvillm.srv.supervise.ExitWatch;
import dev.anvillm.srv.supervise.RestartPolicies;

import java.util.concurrent.ScheduledExecutorService;

/** What every session uses, shared: the tmux host, the store, the launcher, its sandbox and spare launchers, the watchers, timers, the event sink. */
public record SessionServices(Tmux tmux, SessionStore store, Launcher launcher, Sandbox sandbox, Spares spares, ExitWatch exits, HookWatch hooks,
                              ScheduledExecutorService timers, SessionEvents events, RestartPolicies policy) {}
