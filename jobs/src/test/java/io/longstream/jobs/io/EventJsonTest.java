package io.longstream.jobs.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        assertTrue(doc.getEventId().matches("[0-9a-f]{12}-3"), "default event id: the stream's fingerprint and line number");
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
                assertThrows(IllegalArgumentException.class, () -> json.parse("{x}", 7, "f")).getMessage());
        assertEquals("line 2: field \"session\" must be a string",
                assertThrows(IllegalArgumentException.class, () -> json.parse("{\"type\":\"turn\"}", 2, "f")).getMessage());
        assertEquals("line 3: type must be document, turn, query or control, got memo",
                assertThrows(IllegalArgumentException.class, () -> json.parse("{\"session\":\"s\",\"type\":\"memo\"}", 3, "f")).getMessage());
        assertEquals("line 4: a query needs an integer max_new_tokens", assertThrows(IllegalArgumentException.class,
                () -> json.parse("{\"session\":\"s\",\"type\":\"query\",\"query\":\"q\",\"text\":\"t\"}", 4, "f")).getMessage());
        assertEquals("line 5: action must be reset, close or set_policy, got PAUSE", assertThrows(IllegalArgumentException.class,
                () -> json.parse("{\"session\":\"s\",\"type\":\"control\",\"action\":\"pause\"}", 5, "f")).getMessage());
    }

    @Test
    void defaultIdsDifferBetweenStreamsAndRepeatWithTheSameStream() throws IOException {
        String first = "{\"session\":\"s\",\"type\":\"document\",\"text\":\"tide tables\"}\n"
                + "{\"session\":\"s\",\"type\":\"turn\",\"role\":\"user\",\"text\":\"hi\"}";
        String second = "{\"session\":\"s\",\"type\":\"document\",\"text\":\"ferry times\"}\n"
                + "{\"session\":\"s\",\"type\":\"turn\",\"role\":\"user\",\"text\":\"hi\"}";
        List<EventLine> a = json.readLines(new StringReader(first));
        List<EventLine> b = json.readLines(new StringReader(second));
        for (int i = 0; i < 2; i++) {
            assertEquals(i + 1, a.get(i).number);
            assertNotEquals(a.get(i).event.getEventId(), b.get(i).event.getEventId(), "line " + (i + 1) + " of two files");
        }
        assertEquals(a.get(0).event.getEventId(), ((DocumentChunk) a.get(0).event.getPayload()).getDocId(), "a document's default id");
        List<EventLine> again = json.readLines(new StringReader(first));
        assertEquals(a.get(1).event.getEventId(), again.get(1).event.getEventId(), "the same stream again: the same ids");
    }

    @Test
    void anIdUsedTwiceForOneSessionIsRefusedWithBothLines() throws IOException {
        String twoSessions = "{\"session\":\"s\",\"type\":\"turn\",\"role\":\"user\",\"text\":\"hi\",\"event\":\"e1\"}\n"
                + "{\"session\":\"t\",\"type\":\"turn\",\"role\":\"user\",\"text\":\"hi\",\"event\":\"e1\"}\n";
        assertEquals(2, json.readLines(new StringReader(twoSessions)).size(), "ids are per session");
        String repeated = twoSessions + "\n{\"session\":\"s\",\"type\":\"turn\",\"role\":\"user\",\"text\":\"again\",\"event\":\"e1\"}";
        assertEquals("line 4: event id e1 of session s is already used on line 1",
                assertThrows(IllegalArgumentException.class, () -> json.readLines(new StringReader(repeated))).getMessage());
    }

    @Test
    void validJsonBeyondJacksonsDefaultLimitsIsReadOrNamedForWhatItIs() {
        // Jackson refuses strings over 20 M characters by default; the broker's record limit is the one that counts
        String text = "x".repeat(20_000_001);
        SessionEvent big = json.parse("{\"session\":\"s\",\"type\":\"document\",\"text\":\"" + text + "\"}", 1, "f");
        assertEquals(text.length(), ((DocumentChunk) big.getPayload()).getText().length());
        String deep = "{\"session\":\"s\",\"type\":\"document\",\"text\":\"t\",\"x\":" + "[".repeat(1001) + "]".repeat(1001) + "}";
        String message = assertThrows(IllegalArgumentException.class, () -> json.parse(deep, 2, "f")).getMessage();
        assertTrue(message.startsWith("line 2: cannot be read: Document nesting depth (1001) exceeds the maximum allowed"), message);
    }
}
