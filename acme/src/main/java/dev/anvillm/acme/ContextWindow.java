package dev.anvillm.acme;

import dev.anvillm.client.ClientException;

import java.io.IOException;

/** {@code /AnviLLM/+Context.<name>}: a session's context; {@code Put} saves the body as the new context. */
final class ContextWindow {
    private ContextWindow() {}

    static void open(Assist assist, String id, String name) throws IOException, ClientException {
        String title = Assist.NAME + "+Context." + name;
        if (assist.reveal(title)) return;
        String context = assist.client.context(id);
        Win w = assist.acme.open(title, "Put");
        w.append(context);
        w.ctl("clean");
        assist.follow(title, w, g -> {
            if (!g.event().isExecute() || !g.text().strip().equals("Put")) {
                assist.handBack(w, g);
                return;
            }
            try {
                assist.client.context(id, w.body());
                w.ctl("clean");
            } catch (IOException e) {
                assist.error("Put " + title + ": " + e.getMessage());
            }
        }, () -> { });
    }
}
