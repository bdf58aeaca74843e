package dev.anvillm.srv.access;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/** How the socket's room is shared: each session a share, all agents a bounded one, the user always room. */
class PeerShareTest {
    private final PeerCheck shares = new PeerCheck(0, Map::of);

    @Test
    void agentsTogetherStopAtTheirBoundAndTheUserStillGetsIn() {
        int sessions = PeerCheck.AGENTS_TOGETHER / PeerCheck.PER_SESSION;
        for (int s = 0; s < sessions; s++) {
            for (int i = 0; i < PeerCheck.PER_SESSION; i++) assertNotNull(shares.open(new Principal.Agent(100 + s, "s" + s)));
            assertNull(shares.open(new Principal.Agent(100 + s, "s" + s)), "session s" + s + " past its share");
        }
        assertNull(shares.open(new Principal.Agent(999, "fresh")), "agents together past their bound");
        assertNull(shares.open(new Principal.Agent(999, null)), "nor an agent of no known session");
        for (int i = 0; i < PeerCheck.USER.maxConnections(); i++) assertEquals(PeerCheck.USER, shares.open(new Principal.User(1)));
        assertNull(shares.open(new Principal.User(1)), "the user's own bound");
        // one agent connection closes: room for one, in any session under its share
        shares.closed(new Principal.Agent(100, "s0"));
        assertEquals(PeerCheck.AGENT, shares.open(new Principal.Agent(999, "fresh")));
        assertNull(shares.open(new Principal.Agent(100, "s0")));
    }
}
