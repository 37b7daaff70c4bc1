package io.longstream.jobs.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.longstream.schemas.Control;
import io.longstream.schemas.ControlAction;
import io.longstream.schemas.ConversationTurn;
import io.longstream.schemas.DocumentChunk;
import io.longstream.schemas.Query;
import io.longstream.schemas.SessionEvent;
import java.io.IOException;
import java.io.StringReader;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventJsonTest {
    private final EventJson json = new EventJson("test");

    @Test
    void everyEventTypeReadsWithItsFieldsAndDefaults() throws IOException {
        List<SessionEvent> events = json.readAll(new StringReader(String.join("\n",
                "# a comment, then a blank line",
                "",
                "{\"session\":\"s\",\"type\":\"document\",\"doc\":\"d\",\"text\":\"hello\",\"metadata\":{\"k\":\"v\"},\"time\":5}",
                "{\"session\":\"s\",\"type\":\"turn\",\"role\":\"user\",\"text\":\"hi\",\"event\":\"mine\"}",
                "{\"session\":\"s\",\"type\":\"query\",\"query\":\"q\",\"text\":\"why?\",\"max_new_tokens\":8,\"temperature\":0.5,\"top_p\":0.9,\"seed\":3}",
                "{\"session\":\"s\",\"type\":\"query\",\"query\":\"q2\",\"text\":\"how?\",\"max_new_tokens\":4}",
                "{\"session\":\"s\",\"type\":\"control\",\"action\":\"set_policy\",\"policy\":\"sinks\"}")));
        assertEquals(5, events.size());
        SessionEvent doc = events.get(0);
        assertEquals("s-3", doc.getEventId(), "default event id: session and line number");
        assertEquals(Instant.ofEpochMilli(5), doc.getEventTime());
        assertEquals("test", doc.getProducer());
        assertEquals(Map.of("k", "v"), ((DocumentChunk) doc.getPayload()).getMetadata());
        assertEquals("mine", events.get(1).getEventId());
        assertEquals("user", ((ConversationTurn) events.get(1).getPayload()).getRole());
        Query q = (Query) events.get(2).getPayload();
        assertEquals(8, q.getMaxNewTokens());
        assertEquals(0.5f, q.getTemperature());
        assertEquals(0.9f, q.getTopP());
        assertEquals(3L, q.getSeed());
        Query plain = (Query) events.get(3).getPayload();
        assertEquals(0f, plain.getTemperature(), "greedy unless asked");
        assertEquals(1f, plain.getTopP());
        assertNull(plain.getSeed(), "no seed: the pipeline derives one from session and query");
        Control c = (Control) events.get(4).getPayload();
        assertEquals(ControlAction.SET_POLICY, c.getAction());
        assertEquals("sinks", c.getPolicySpec());
    }

    @Test
    void aBadLineIsNamedWithWhatIsWrong() {
        assertEquals("line 7: not JSON: Unexpected character ('x' (code 120)): was expecting double-quote to start field name",
                assertThrows(IllegalArgumentException.class, () -> json.parse("{x}", 7)).getMessage());
        assertEquals("line 2: field \"session\" must be a string",
                assertThrows(IllegalArgumentException.class, () -> json.parse("{\"type\":\"turn\"}", 2)).getMessage());
        assertEquals("line 3: type must be document, turn, query or control, got memo",
                assertThrows(IllegalArgumentException.class, () -> json.parse("{\"session\":\"s\",\"type\":\"memo\"}", 3)).getMessage());
        assertEquals("line 4: a query needs an integer max_new_tokens", assertThrows(IllegalArgumentException.class,
                () -> json.parse("{\"session\":\"s\",\"type\":\"query\",\"query\":\"q\",\"text\":\"t\"}", 4)).getMessage());
        assertEquals("line 5: action must be reset, close or set_policy, got PAUSE", assertThrows(IllegalArgumentException.class,
                () -> json.parse("{\"session\":\"s\",\"type\":\"control\",\"action\":\"pause\"}", 5)).getMessage());
    }
}
