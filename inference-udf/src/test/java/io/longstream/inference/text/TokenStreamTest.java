package io.longstream.inference.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.longstream.inference.Fixtures;
import io.longstream.inference.text.ChatTemplate.Message;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Contracts' token stream on llama-tiny-f32, whose tokenizer_config.json ships a chat template. */
class TokenStreamTest {
    private static final Path MODEL = Fixtures.model("llama-tiny-f32");
    private static Tokenizer tokenizer;

    @BeforeAll
    static void load() {
        tokenizer = Tokenizer.load(MODEL);
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    @Test
    void templateRendersLikeHuggingFace() {
        ChatTemplate t = ChatTemplate.load(MODEL).orElseThrow();
        assertEquals("<|begin|><|user|>hi<|end|><|assistant|>yo<|end|><|assistant|>",
                t.render(List.of(new Message("user", "hi"), new Message("assistant", "yo")), true));
    }

    @Test
    void turnsAddOnlyWhatTheTemplateAddsForThemAndNeverTheBosString() {
        TokenStream stream = new TokenStream(tokenizer, ChatTemplate.load(MODEL), 0);
        Message first = new Message("user", "What is Alice's code?");
        Message second = new Message("assistant", "4812");
        assertEquals("<|user|>What is Alice's code?<|end|>", stream.turnText(null, first, false));
        assertEquals("<|assistant|>4812<|end|>", stream.turnText(first, second, false));
        assertEquals("<|user|>And Bob's?<|end|><|assistant|>", stream.turnText(second, new Message("user", "And Bob's?"), true));
        assertArrayEquals(tokenizer.encode("<|assistant|>4812<|end|>"), stream.turn(first, second));
        assertArrayEquals(new int[] {0}, stream.start());
        assertArrayEquals(new int[] {0, 7, 8}, stream.withStart(new int[] {7, 8}));
    }

    @Test
    void sessionStreamEqualsTheTemplateRenderOfTheWholeConversation() {
        ChatTemplate t = ChatTemplate.load(MODEL).orElseThrow();
        TokenStream stream = new TokenStream(tokenizer, Optional.of(t), 0);
        Message a = new Message("user", "Remember: the code is 4812.");
        Message b = new Message("assistant", "Noted.");
        String whole = stream.turnText(null, a, false) + stream.turnText(a, b, false) + stream.turnText(b, new Message("user", "Code?"), true);
        assertEquals(t.render(List.of(a, b, new Message("user", "Code?")), true).replace("<|begin|>", ""), whole);
    }

    @Test
    void withoutATemplateTurnsAreRoleColonText() {
        TokenStream stream = new TokenStream(tokenizer, Optional.empty(), -1);
        assertEquals("user: hello\n", stream.turnText(null, new Message("user", "hello"), false));
        assertEquals("user: code?\nassistant: ", stream.turnText(new Message("user", "hello"), new Message("user", "code?"), true));
        assertEquals(0, stream.start().length);
        assertArrayEquals(new int[] {7, 8}, stream.withStart(new int[] {7, 8}));
        assertTrue(stream.document("plain text").length > 0);
    }
}
