package io.longstream.inference.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.longstream.inference.Fixtures;
import java.io.IOException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TokenizerTest {
    private static Tokenizer tokenizer;

    @BeforeAll
    static void load() {
        tokenizer = Tokenizer.load(Fixtures.model("llama-tiny-f32"));
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    @Test
    void encodingsAndDecodingsMatchHuggingFace() throws IOException {
        JsonNode cases = new ObjectMapper().readTree(Fixtures.model("llama-tiny-f32").resolve("tokenizer-expected.json").toFile());
        assertEquals(7, cases.size());
        for (JsonNode c : cases) {
            String text = c.get("text").asText();
            int[] expected = new int[c.get("ids").size()];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = c.get("ids").get(i).asInt();
            }
            assertArrayEquals(expected, tokenizer.encode(text), "encoding of '" + text + "'");
            assertEquals(c.get("decoded").asText(), tokenizer.decode(expected), "decoding of '" + text + "'");
        }
    }

    @Test
    void fiftyThousandTokenTextEncodesWhole() {
        StringBuilder text = new StringBuilder();
        SplittableRandom random = new SplittableRandom(7);
        while (text.length() < 60_000) {
            // single letters separated by punctuation defeat merges: about one token per character
            text.append((char) ('a' + random.nextInt(26))).append(random.nextBoolean() ? '.' : ',');
        }
        int[] ids = tokenizer.encode(text.toString());
        assertEquals(true, ids.length >= 50_000, "only " + ids.length + " tokens");
        assertEquals(text.toString(), tokenizer.decode(ids));
    }

    @Test
    void streamedTextHoldsBackSplitCharactersUntilComplete() {
        int[] ids = tokenizer.encode("naïve café — 東京 🚀 done");
        TextStream stream = new TextStream(tokenizer);
        StringBuilder out = new StringBuilder();
        for (int id : ids) {
            String delta = stream.push(id);
            assertEquals(false, delta.contains("\uFFFD"), "a partial character leaked: " + delta);
            out.append(delta);
        }
        out.append(stream.finish());
        assertEquals("naïve café — 東京 🚀 done", out.toString());
    }
}
